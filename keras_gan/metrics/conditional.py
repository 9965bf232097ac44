"""Metrics of conditional GANs: intra-class FID, classification accuracy."""

import keras
import numpy as np

from keras_gan.metrics.base import _FeatureMetric
from keras_gan.metrics.base import _to_numpy
from keras_gan.metrics.frechet import frechet_distance
from keras_gan.utils.export import keras_gan_export
from keras_gan.utils.validation import check_int
from keras_gan.utils.validation import positive_int


def _labels(name, labels, count):
    labels = _to_numpy(labels)
    if labels.ndim == 2:  # one-hot
        labels = labels.argmax(axis=-1)
    labels = labels.reshape(-1).astype("int64")
    if len(labels) != count:
        raise ValueError(
            f"`{name}` should hold one label per image ({count}). "
            f"Received {len(labels)}."
        )
    return labels


@keras_gan_export
class IntraClassFrechetDistance(_FeatureMetric):
    """Intra-class FID: the mean over classes of each class's FID.

    For a conditional GAN, FID between the real and the generated images of
    one class at a time, averaged over the classes: it sees a generator
    that draws good images of the wrong class, which the FID of all images
    together cannot. Each class needs at least 2 real and 2 generated
    images; classes with fewer are left out of the mean (`per_class()`
    shows which were computed). Features are kept per class and the
    moments computed in float64 with numpy.

    Each class's FID has the small-sample bias of FID, stronger here since
    a class has fewer samples: report the per-class sample count with it.

    Args:
        num_classes: int, the number of classes.
        feature_extractor: a Keras model mapping images to vectors, or None
            (default) for `fid_inception(weights)` when `weights` is given,
            else `inception_v3()`.
        batch_size: int, images per extractor call. Defaults to 64.
        name: str. Defaults to "intra_fid".
        weights: str or None, the FID Inception weights file (see
            `FrechetDistance`). Defaults to None.
        verify_checksum: bool, passed to `fid_inception()`.

    Returns:
        `result()`: a scalar tensor.

    Examples:

    >>> flat = keras.Sequential([keras.layers.Flatten()])
    >>> fid = IntraClassFrechetDistance(2, flat)
    >>> rng = np.random.default_rng(0)
    >>> images = rng.normal(size=(400, 2, 1, 1))
    >>> labels = np.repeat([0, 1], 200)
    >>> images[200:] += 3.0  # class 1 is shifted
    >>> fid.update_state(real=images, fake=images, real_labels=labels,
    ...                  fake_labels=labels)
    >>> round(float(fid.result()), 4)
    0.0
    >>> fid.reset_state()  # swapped classes: each class's FID is > 0
    >>> fid.update_state(real=images, fake=images, real_labels=labels,
    ...                  fake_labels=1 - labels)
    >>> round(float(fid.result()))  # the shift, squared, in 2 dimensions
    18

    Reference:
        Miyato and Koyama, "cGANs with Projection Discriminator", ICLR
        2018 (intra-FID); Heusel et al., NeurIPS 2017 (FID).
    """

    def __init__(self, num_classes, feature_extractor=None, batch_size=64,
                 name="intra_fid", weights=None, verify_checksum=True,
                 **kwargs):
        super().__init__(feature_extractor, batch_size, name=name,
                         weights=weights, verify_checksum=verify_checksum,
                         **kwargs)
        self.num_classes = positive_int("num_classes", num_classes)
        self._parts = {"real": [], "fake": []}  # (features, labels) pairs

    def update_state(self, real=None, fake=None, real_labels=None,
                     fake_labels=None):
        """Adds real and/or generated images with their class labels.

        Args:
            real: images `(n, h, w, c)` in [-1, 1], or None.
            fake: generated images, or None.
            real_labels: int labels `(n,)` (or one-hot) of `real`.
            fake_labels: those of `fake`.
        """
        if real is None and fake is None:
            raise ValueError(
                "IntraClassFrechetDistance.update_state() needs `real=` "
                "images, `fake=` images, or both. Received neither."
            )
        for which, images, labels in (("real", real, real_labels),
                                      ("fake", fake, fake_labels)):
            if images is None:
                continue
            if labels is None:
                raise ValueError(
                    f"IntraClassFrechetDistance needs `{which}_labels=` "
                    f"with `{which}=`."
                )
            if which == "real" and self._has_reference:
                raise ValueError(
                    "The real statistics are fixed by `set_reference()`. "
                    "Pass only `fake=` images, or call `clear_reference()`."
                )
            features = self.features(images)
            self._add_labelled(which, features, labels)

    def _add_labelled(self, which, features, labels):
        features = np.asarray(features, dtype="float32")
        labels = _labels(f"{which}_labels", labels, len(features))
        if labels.min() < 0 or labels.max() >= self.num_classes:
            raise ValueError(
                f"`{which}_labels` should be in [0, {self.num_classes}). "
                f"Received values from {labels.min()} to {labels.max()}."
            )
        self._parts[which].append((features, labels))

    def set_reference(self, images, labels, batch_size=None):
        """Fixes the real images and their labels, for every evaluation.

        Args:
            images: real images `(n, h, w, c)` in [-1, 1].
            labels: their int labels `(n,)` (or one-hot).
            batch_size: int or None, images per extractor call.

        Returns:
            The metric itself.
        """
        self.clear_reference()
        images = _to_numpy(images)
        size = batch_size or self.batch_size
        for start in range(0, len(images), size):
            end = start + size
            self._add_labelled("real", self.features(images[start:end]),
                               _to_numpy(labels)[start:end])
        self._has_reference = True
        return self

    def _clear(self, which):
        self._parts[which] = []

    def _by_class(self, which):
        parts = self._parts[which]
        if not parts:
            return {}
        features = np.concatenate([f for f, _ in parts]).astype("float64")
        labels = np.concatenate([y for _, y in parts])
        return {c: features[labels == c] for c in np.unique(labels)}

    def per_class(self):
        """Each class's FID, for the classes with 2 images of each kind.

        Returns:
            A dict `{class: float}`.
        """
        real, fake = self._by_class("real"), self._by_class("fake")
        values = {}
        for c in range(self.num_classes):
            r, f = real.get(c), fake.get(c)
            if r is None or f is None or min(len(r), len(f)) < 2:
                continue
            values[c] = float(frechet_distance(
                r.mean(0), np.cov(r, rowvar=False).reshape(r.shape[1], -1),
                f.mean(0), np.cov(f, rowvar=False).reshape(f.shape[1], -1),
            ))
        return values

    def result(self):
        values = self.per_class()
        if not values:
            raise ValueError(
                "IntraClassFrechetDistance needs at least 2 real and 2 "
                "generated images of some class."
            )
        return np.mean(list(values.values()))

    def _arrays(self, which):
        parts = self._parts[which]
        if not parts:
            return None
        return {
            "features": np.concatenate([f for f, _ in parts]),
            "labels": np.concatenate([y for _, y in parts]),
        }

    def _load(self, which, arrays):
        self._parts[which] = [
            (arrays["features"].astype("float32"),
             arrays["labels"].astype("int64"))
        ]

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}


@keras_gan_export
def classification_accuracy_score(fake_images, fake_labels, real_images,
                                  real_labels, feature_extractor=None,
                                  classifier=None, seed=0):
    """Classification Accuracy Score (CAS): train on fake, test on real.

    Fits a classifier to the generated images and their conditioning
    labels, then returns its accuracy on held-out real images: high only
    when the generated images of each class carry what tells that class
    apart in real data (fidelity and diversity per class). The default
    classifier is scikit-learn's multinomial `LogisticRegression`
    (L2-regularized, C=1, lbfgs, up to 1,000 iterations) on the features
    of `feature_extractor` (default: the flattened pixels): small and
    deterministic, so that CAS values are comparable between runs of
    keras-gan. Ravuri and Vinyals train a ResNet-50 on ImageNet-sized
    data; those numbers are not comparable with these. Compare with the
    same classifier trained on real training images (the "real" CAS).

    Args:
        fake_images: generated images `(n, h, w, c)` (or feature vectors).
        fake_labels: the labels they were generated with, `(n,)`.
        real_images: held-out real images (not the GAN's training set).
        real_labels: their labels.
        feature_extractor: a Keras model mapping images to vectors, or None
            (default) to use the flattened pixels.
        classifier: an unfitted scikit-learn-style estimator (`fit`,
            `predict`), or None for the logistic regression above.
        seed: int, the default classifier's random state. Defaults to 0.

    Returns:
        A float in [0, 1], the accuracy on `real_images`.

    Examples:

    >>> from keras_gan.data import load_digits
    >>> images, labels = load_digits()
    >>> cas = classification_accuracy_score(
    ...     images[:1000], labels[:1000], images[1000:], labels[1000:])
    >>> cas > 0.9  # real digits as the "generated" set: the real CAS
    True

    Reference:
        Ravuri and Vinyals, "Classification Accuracy Score for Conditional
        Generative Models", NeurIPS 2019.
    """
    seed = check_int("seed", seed)

    def features(images):
        images = _to_numpy(images)
        if feature_extractor is not None:
            images = np.concatenate([
                keras.ops.convert_to_numpy(
                    feature_extractor(images[i : i + 256].astype("float32"))
                )
                for i in range(0, len(images), 256)
            ])
        return images.reshape(len(images), -1).astype("float64")

    train, test = features(fake_images), features(real_images)
    train_y = _labels("fake_labels", fake_labels, len(train))
    test_y = _labels("real_labels", real_labels, len(test))
    if classifier is None:
        from sklearn.linear_model import LogisticRegression

        classifier = LogisticRegression(max_iter=1000, random_state=seed)
    classifier.fit(train, train_y)
    return float(np.mean(classifier.predict(test) == test_y))
