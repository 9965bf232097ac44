"""Inception Score: confidence and diversity of a classifier's outputs."""

import keras  # noqa: F401 (the examples use it)
import numpy as np
from keras import ops

from keras_gan.metrics.base import _Estimates
from keras_gan.metrics.base import _ImageMetric
from keras_gan.metrics.extractors import inception_v3
from keras_gan.utils.export import keras_gan_export
from keras_gan.utils.validation import check_bool
from keras_gan.utils.validation import positive_int


@keras_gan_export
class InceptionScore(_Estimates, _ImageMetric):
    """Inception Score: exp(E_x KL(p(y|x) || p(y))), averaged over splits.

    High when each generated image is classified confidently (low-entropy
    p(y|x)) and the classes are diverse (high-entropy marginal p(y)). It
    ranges from 1 (one class, or uniform predictions) to the number of
    classes. It ignores real data entirely, so it cannot see a generator
    that copies the training set or gets class-internal detail wrong; and
    it is only meaningful for a classifier trained on the same kind of
    images. The generated images are cut into `splits` consecutive parts;
    the result is the mean of the per-split scores, `result_std()` their
    standard deviation.

    Args:
        classifier: a Keras model mapping images to class logits (or
            probabilities with `from_logits=False`), or None (default) for
            `inception_v3(include_top=True)` (1000 ImageNet logits).
        splits: int, the number of splits. Defaults to 10.
        from_logits: bool, whether the classifier outputs logits. Defaults
            to True.
        batch_size: int, images per classifier call. Defaults to 64.
        name: str. Defaults to "is".

    Returns:
        `result()`: a scalar tensor between 1 and the number of classes.

    Examples:

    >>> one_hot = keras.Sequential([keras.layers.Flatten()])
    >>> score = InceptionScore(one_hot, splits=1, from_logits=False)
    >>> score.update_state(fake=np.eye(4).reshape(4, 4, 1, 1))
    >>> round(float(score.result()), 3)  # four classes, each confident
    4.0

    Reference:
        Salimans et al., "Improved Techniques for Training GANs", NeurIPS
        2016.
    """

    uses_real_images = False  # GANEvaluator gives it no reference
    _extractor_arg = "classifier"

    def __init__(self, classifier=None, splits=10, from_logits=True,
                 batch_size=64, name="is", **kwargs):
        super().__init__(classifier, batch_size, name=name, **kwargs)
        self.splits = positive_int("splits", splits)
        self.from_logits = check_bool("from_logits", from_logits)
        self._outputs = []

    def _default_extractor(self):
        return inception_v3(include_top=True)

    @property
    def classifier(self):
        """The classifier; the default InceptionV3 is built on first use."""
        return self._get_extractor()

    def update_state(self, real=None, fake=None):
        """Adds generated images (the score uses no real images).

        Args:
            real: must be None; accepted so that all metrics share one
                signature.
            fake: images `(n, height, width, channels)` in [-1, 1].
        """
        if real is not None:
            raise ValueError(
                "InceptionScore scores generated images only: pass them as "
                "`fake=` (to score real images, pass those as `fake=`)."
            )
        if fake is None:
            raise ValueError(
                "InceptionScore.update_state() needs `fake=` images. "
                "Received none."
            )
        self._outputs.append(ops.convert_to_numpy(self.features(fake)))
        self._cache = None

    def reset_state(self):
        """Forgets the generated images."""
        self._outputs = []
        self._cache = None

    def _estimates(self):
        outputs = np.concatenate(self._outputs) if self._outputs else None
        if outputs is None or len(outputs) < self.splits:
            raise ValueError(
                f"InceptionScore with splits={self.splits} needs at least "
                f"{self.splits} generated images. Received "
                f"{0 if outputs is None else len(outputs)}."
            )
        outputs = ops.convert_to_tensor(outputs, self._acc_dtype)
        if self.from_logits:
            probs = ops.softmax(outputs, axis=-1)
        else:
            probs = outputs
        tiny = 1e-12  # p log p -> 0 at p = 0, without 0 * log(0) = NaN
        log_probs = ops.log(ops.maximum(probs, ops.cast(tiny, probs.dtype)))
        scores = []
        for part in np.array_split(np.arange(len(outputs)), self.splits):
            p = ops.take(probs, part, 0)
            log_p = ops.take(log_probs, part, 0)
            marginal = ops.mean(p, axis=0)
            log_marginal = ops.log(
                ops.maximum(marginal, ops.cast(tiny, p.dtype))
            )
            kl = ops.sum(p * (log_p - log_marginal[None, :]), axis=-1)
            scores.append(ops.exp(ops.mean(kl)))
        return scores

    def get_config(self):
        return {
            **super().get_config(),
            "splits": self.splits,
            "from_logits": self.from_logits,
        }
