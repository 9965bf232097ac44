"""Top-k generator training: G learns only from its best-scored fakes.

`GAN.compile(top_k=...)` makes the generator's loss the mean of
`loss.generator_loss_per_sample` over the `k` fakes of the batch that the
discriminator scores highest (its adversarial logit, averaged over any
spatial axes); the other fakes give no gradient. `k` is a fraction of the
batch that decays during training, from `start` by a factor `decay` every
`decay_steps` generator updates, down to `minimum`.

The selection is a mask by rank (`argsort` twice), so `k` is a tensor that
may change from step to step without recompiling (`jax.jit`, `tf.function`):
no static batch size is needed.
"""

from keras import ops

from keras_gan.utils import validation
from keras_gan.utils.export import ConfigObject
from keras_gan.utils.export import keras_gan_export


@keras_gan_export
class TopK(ConfigObject):
    """The schedule of top-k generator training (Sinha et al. 2020).

    At generator update `t` (0-based) the kept fraction of the batch is
    `max(start * decay ** floor(t / decay_steps), minimum)` and
    `k = max(1, floor(fraction * batch_size))` (as PyTorch-StudioGAN's
    `int()`). The paper decays once per epoch with `decay=0.99` and a floor
    `nu` of 0.5 or 0.75 of the batch: set `decay_steps` to the steps of one
    epoch, `ceil(num_images / batch_size)`, for that schedule.

    Args:
        start: float in (0, 1], the first fraction. Defaults to 1.
        decay: float in (0, 1], the factor applied every `decay_steps`
            generator updates. Defaults to 0.99.
        minimum: float in (0, start], the floor `nu`. Defaults to 0.5.
        decay_steps: int, generator updates between decays. Defaults to
            1000.

    Examples:

    >>> schedule = TopK(start=1.0, decay=0.5, minimum=0.3, decay_steps=10)
    >>> [round(float(schedule.fraction(t)), 4) for t in (0, 9, 10, 25, 100)]
    [1.0, 1.0, 0.5, 0.3, 0.3]
    >>> int(schedule.k(10, 64))
    32

    Reference: Sinha et al., "Top-k Training of GANs: Improving GAN
    Performance by Throwing Away Bad Samples", NeurIPS 2020.
    """

    def __init__(self, start=1.0, decay=0.99, minimum=0.5, decay_steps=1000):
        self.start = validation.check_float(
            "start", start, 0.0, 1.0, min_inclusive=False, what="a fraction"
        )
        self.decay = validation.check_float(
            "decay", decay, 0.0, 1.0, min_inclusive=False
        )
        self.minimum = validation.check_float(
            "minimum", minimum, 0.0, self.start, min_inclusive=False,
            what="a fraction (at most `start`)",
        )
        self.decay_steps = validation.positive_int("decay_steps", decay_steps)

    def fraction(self, step):
        """The kept fraction at generator update `step`, a float32 tensor.

        Args:
            step: int or int tensor, the generator updates done so far.

        Returns:
            A float32 scalar tensor in `[minimum, start]`.
        """
        decays = ops.floor(ops.cast(step, "float32") / self.decay_steps)
        value = self.start * ops.power(self.decay, decays)
        return ops.maximum(ops.cast(value, "float32"), self.minimum)

    def k(self, step, batch_size):
        """How many fakes are kept at `step`, a float32 tensor.

        Args:
            step: int or int tensor, the generator updates done so far.
            batch_size: int or int tensor, the number of fakes.

        Returns:
            A float32 scalar tensor holding an integer in `[1, batch_size]`.
        """
        batch = ops.cast(batch_size, "float32")
        # The small offset keeps 0.29 * 100 from flooring to 28.
        return ops.maximum(ops.floor(self.fraction(step) * batch + 1e-4), 1.0)

    def get_config(self):
        return {
            "start": self.start,
            "decay": self.decay,
            "minimum": self.minimum,
            "decay_steps": self.decay_steps,
        }


def get(top_k):
    """`compile`'s `top_k`: None, a constant fraction, or a `TopK`.

    Args:
        top_k: None, a float in (0, 1] (a constant fraction), a `TopK`, or
            its serialized dict.

    Returns:
        A `TopK`, or None.
    """
    if top_k is None or isinstance(top_k, TopK):
        return top_k
    if isinstance(top_k, dict):
        import keras

        return keras.saving.deserialize_keras_object(top_k)
    fraction = validation.check_float(
        "top_k", top_k, 0.0, 1.0, min_inclusive=False, what="a fraction"
    )
    return TopK(start=fraction, decay=1.0, minimum=fraction)


def top_k_mean(per_sample, scores, k):
    """The mean of `per_sample` over the `k` entries of highest `scores`.

    A mask by rank: jit-safe with a `k` that is a tensor. Ties are broken
    by batch order.

    Args:
        per_sample: float tensor `(batch,)`, e.g. G's loss of each fake.
        scores: float tensor `(batch, ...)`, D's logits of each fake
            (averaged over the non-batch axes).
        k: int or float scalar tensor, `1 <= k <= batch`.

    Returns:
        A float32 scalar tensor.

    Examples:

    >>> loss = ops.convert_to_tensor([1.0, 2.0, 3.0, 4.0])
    >>> logits = ops.convert_to_tensor([[0.5], [-1.0], [2.0], [0.0]])
    >>> float(top_k_mean(loss, logits, 2))  # the fakes scored 2.0 and 0.5
    2.0
    """
    scores = ops.cast(ops.stop_gradient(scores), "float32")
    if len(scores.shape) > 1:
        scores = ops.mean(scores, axis=tuple(range(1, len(scores.shape))))
    order = ops.argsort(-scores)
    ranks = ops.argsort(order)
    k = ops.cast(k, "float32")
    keep = ops.cast(ops.cast(ranks, "float32") < k, "float32")
    return ops.sum(ops.cast(per_sample, "float32") * keep) / k
