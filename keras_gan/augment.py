"""Differentiable augmentation on the discriminator's path.

With little data a discriminator memorizes the training set and the GAN
collapses. Augmenting *both* real and generated images before the
discriminator, in both phases and with differentiable operations, lets the
generator's gradients flow through the augmentation, so the generator learns
the clean distribution while the discriminator never sees the same image
twice.

Operations (channels-last images in [-1, 1], random per sample, from the
layer's own `keras.random.SeedGenerator`):

- `color`: brightness `x + (u - 0.5)`, saturation `(x - mean_c) * 2u +
  mean_c`, contrast `(x - mean) * (u + 0.5) + mean`, with `u ~ U(0, 1)`;
- `translation`: an integer shift of up to 1/8 of the image size in each
  direction, filling with zeros;
- `cutout`: a square of half the image size, at a random centre, set to 0.

`AdaptiveAugment` applies the same pipeline to each sample with a
probability `p` that it tunes from the discriminator's overfitting (ADA).
`AdaptivePseudoAugment` (APA) tunes `p` the same way but, instead of
transforming images, shows D detached fakes in place of reals.
"""

import keras
from keras import ops

from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export

_POLICIES = ("color", "translation", "cutout")


def _parse_policy(policy):
    names = [p.strip() for p in policy.split(",") if p.strip()]
    for name in names:
        if name not in _POLICIES:
            raise ValueError(
                f"Unknown augmentation {name!r} in `policy={policy!r}`. Use "
                f"a comma-separated subset of {', '.join(_POLICIES)}."
            )
    return names


def _check_images(images):
    if len(images.shape) != 4:
        raise ValueError(
            "Augmentation expects channels-last images (batch, height, "
            f"width, channels). Received shape {tuple(images.shape)}."
        )


def _per_sample(values):
    """Integers per sample, shaped to broadcast over (b, h, w, c)."""
    return ops.reshape(ops.convert_to_tensor(values, "int32"), (-1, 1, 1, 1))


@keras_gan_export
def translate(images, shift_y, shift_x):
    """Shifts each image by an integer amount, filling with zeros.

    Output pixel `(r, c)` is input pixel `(r - shift_y, c - shift_x)`, or 0
    where that falls outside the image: positive shifts move the content
    down and to the right. Differentiable with respect to `images`.

    Args:
        images: tensor `(batch, height, width, channels)`.
        shift_y: int tensor `(batch,)`, vertical shift per sample.
        shift_x: int tensor `(batch,)`, horizontal shift per sample.

    Returns:
        A tensor of the same shape and dtype.

    Examples:

    >>> x = ops.reshape(ops.arange(4.0), (1, 4, 1, 1))
    >>> ops.convert_to_numpy(translate(x, [1], [0])).ravel().tolist()
    [0.0, 0.0, 1.0, 2.0]
    """
    _check_images(images)
    shape = ops.shape(images)
    h, w = images.shape[1], images.shape[2]
    images = ops.convert_to_tensor(images)
    shift_y = _per_sample(shift_y)
    shift_x = _per_sample(shift_x)
    rows = ops.reshape(ops.arange(h, dtype="int32"), (1, h, 1, 1)) - shift_y
    cols = ops.reshape(ops.arange(w, dtype="int32"), (1, 1, w, 1)) - shift_x
    out = ops.take_along_axis(
        images, ops.broadcast_to(ops.clip(rows, 0, h - 1), shape), axis=1
    )
    out = ops.take_along_axis(
        out, ops.broadcast_to(ops.clip(cols, 0, w - 1), shape), axis=2
    )
    inside = ops.logical_and(
        ops.logical_and(rows >= 0, rows < h),
        ops.logical_and(cols >= 0, cols < w),
    )
    return out * ops.cast(inside, images.dtype)


@keras_gan_export
def cutout(images, top, left, size):
    """Zeroes a `size[0] x size[1]` rectangle at `(top, left)` per sample.

    The rectangle is clipped to the image. Differentiable with respect to
    `images` (the gradient is 0 inside the rectangle).

    Args:
        images: tensor `(batch, height, width, channels)`.
        top: int tensor `(batch,)`, first row of the rectangle.
        left: int tensor `(batch,)`, first column of the rectangle.
        size: `(height, width)` of the rectangle.

    Returns:
        A tensor of the same shape and dtype.

    Examples:

    >>> x = ops.ones((1, 4, 4, 1))
    >>> float(ops.mean(cutout(x, [1], [1], (2, 2))))
    0.75
    """
    _check_images(images)
    h, w = images.shape[1], images.shape[2]
    images = ops.convert_to_tensor(images)
    top, left = _per_sample(top), _per_sample(left)
    rows = ops.reshape(ops.arange(h, dtype="int32"), (1, h, 1, 1))
    cols = ops.reshape(ops.arange(w, dtype="int32"), (1, 1, w, 1))
    in_rows = ops.logical_and(rows >= top, rows < top + int(size[0]))
    in_cols = ops.logical_and(cols >= left, cols < left + int(size[1]))
    keep = ops.logical_not(ops.logical_and(in_rows, in_cols))
    return images * ops.cast(keep, images.dtype)


@keras_gan_export
class DiffAugment(keras.layers.Layer):
    """Differentiable augmentation (DiffAugment) for data-efficient GANs.

    Applied by `GAN.compile(augment=DiffAugment())` to real and fake images
    before the discriminator in both phases; also usable as a plain layer.
    Active only when `training=True`.

    Args:
        policy: comma-separated operations among "color", "translation",
            "cutout". Defaults to "color,translation,cutout".
        translation_ratio: float, the maximum shift as a fraction of the
            image size. Defaults to 0.125.
        cutout_ratio: float, the cutout square's side as a fraction of the
            image size. Defaults to 0.5.
        seed: int or None, seeds the layer's `SeedGenerator`.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        images: channels-last images `(batch, height, width, channels)`.
        training: bool; without it, the layer is the identity.

    Returns:
        Augmented images, same shape and dtype.

    Examples:

    >>> aug = DiffAugment(policy="translation,cutout", seed=0)
    >>> tuple(aug(ops.ones((2, 8, 8, 3)), training=True).shape)
    (2, 8, 8, 3)

    Reference: Zhao et al., "Differentiable Augmentation for Data-Efficient
    GAN Training", 2020.
    """

    def __init__(
        self,
        policy="color,translation,cutout",
        translation_ratio=0.125,
        cutout_ratio=0.5,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.ops = _parse_policy(policy)
        self.policy = policy
        self.translation_ratio = validation.unit_interval(
            "translation_ratio", translation_ratio, "a fraction"
        )
        self.cutout_ratio = validation.unit_interval(
            "cutout_ratio", cutout_ratio, "a fraction"
        )
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        # No shape-dependent weights: built from the start, so that a GAN
        # holding it is built too.
        self.built = True

    def _uniform(self, batch, dtype):
        return keras.random.uniform(
            (batch, 1, 1, 1), seed=self.seed_generator, dtype=dtype
        )

    def _color(self, x):
        batch = ops.shape(x)[0]
        x = x + (self._uniform(batch, x.dtype) - 0.5)
        mean = ops.mean(x, axis=-1, keepdims=True)
        x = (x - mean) * (self._uniform(batch, x.dtype) * 2.0) + mean
        mean = ops.mean(x, axis=(1, 2, 3), keepdims=True)
        return (x - mean) * (self._uniform(batch, x.dtype) + 0.5) + mean

    def _translation(self, x):
        batch = ops.shape(x)[0]
        h, w = x.shape[1], x.shape[2]
        sy = int(h * self.translation_ratio + 0.5)
        sx = int(w * self.translation_ratio + 0.5)
        dy = keras.random.randint((batch,), -sy, sy + 1,
                                  seed=self.seed_generator)
        dx = keras.random.randint((batch,), -sx, sx + 1,
                                  seed=self.seed_generator)
        return translate(x, dy, dx)

    def _cutout(self, x):
        batch = ops.shape(x)[0]
        h, w = x.shape[1], x.shape[2]
        ch = int(h * self.cutout_ratio + 0.5)
        cw = int(w * self.cutout_ratio + 0.5)
        # Centres as in the reference code: the square may leave the image.
        cy = keras.random.randint((batch,), 0, h + (1 - ch % 2),
                                  seed=self.seed_generator)
        cx = keras.random.randint((batch,), 0, w + (1 - cw % 2),
                                  seed=self.seed_generator)
        return cutout(x, cy - ch // 2, cx - cw // 2, (ch, cw))

    def augment(self, images):
        """Applies the whole policy to every image (no probability).

        Args:
            images: channels-last images.

        Returns:
            Augmented images.
        """
        _check_images(images)
        x = images
        for name in self.ops:
            x = getattr(self, f"_{name}")(x)
        return x

    def call(self, images, training=None):
        if not training:
            return images
        return self.augment(images)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "policy": self.policy,
            "translation_ratio": self.translation_ratio,
            "cutout_ratio": self.cutout_ratio,
            "seed": self.seed,
        }


@keras_gan_export
class AdaptiveAugment(DiffAugment):
    """Adaptive discriminator augmentation (ADA) with a tuned probability.

    Each image is augmented (the whole DiffAugment policy) with probability
    `p`. Every `interval` discriminator updates, the overfitting heuristic
    `r_t = E[sign(D(real))]` over those updates is compared with `target`:
    `p <- clip(p + sign(r_t - target) * speed, 0, 1)`. A discriminator that
    is confidently positive on all reals (overfitting) raises `p`. The
    update happens inside the training step with `keras.ops` (no Python side
    effects, so it works under `jax.jit`); `p` is a non-trainable weight,
    logged as `augment_p` and saved with the model.

    Args:
        policy: as in `DiffAugment`. Defaults to "color,translation,cutout".
        target: float in (0, 1), the target value of `r_t`. Defaults to 0.6.
        interval: int, discriminator updates between adjustments. Defaults
            to 4.
        speed: float, the change of `p` per adjustment. Defaults to 0.005
            (p can go from 0 to 1 in 200 adjustments).
        initial_p: float in [0, 1]. Defaults to 0.
        **kwargs: `DiffAugment` arguments (`seed`, ratios, layer arguments).

    Call arguments:
        images: channels-last images.
        training: bool; without it, the layer is the identity.

    Returns:
        Images, each augmented with probability `p`.

    Examples:

    >>> ada = AdaptiveAugment(target=0.6, interval=1, speed=0.1)
    >>> p = ada.update(ops.ones((4, 1)))  # all reals judged real: overfit
    >>> round(float(p), 2)
    0.1

    Reference: Karras et al., "Training Generative Adversarial Networks with
    Limited Data", 2020.
    """

    def __init__(
        self,
        policy="color,translation,cutout",
        target=0.6,
        interval=4,
        speed=0.005,
        initial_p=0.0,
        **kwargs,
    ):
        super().__init__(policy=policy, **kwargs)
        target = validation.check_float("target", target, 0, 1, False, False)
        interval = validation.positive_int("interval", interval)
        speed = validation.positive_float("speed", speed)
        initial_p = validation.unit_interval(
            "initial_p", initial_p, "a probability"
        )
        self.target = float(target)
        self.interval = int(interval)
        self.speed = float(speed)
        self.initial_p = initial_p
        self.p = self.add_weight(
            shape=(), initializer=keras.initializers.Constant(self.initial_p),
            trainable=False, name="p", dtype="float32",
        )
        self.sign_sum = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="sign_sum",
            dtype="float32",
        )
        self.sign_count = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="sign_count",
            dtype="float32",
        )
        self.updates_seen = self.add_weight(
            shape=(), initializer="zeros", trainable=False,
            name="updates_seen", dtype="int32",
        )

    def call(self, images, training=None):
        if not training:
            return images
        batch = ops.shape(images)[0]
        apply = self._uniform(batch, "float32") < self.p.value
        return ops.where(apply, self.augment(images), images)

    def update(self, real_logits):
        """Accumulates `sign(D(real))` and adjusts `p` every `interval` calls.

        Args:
            real_logits: the discriminator's raw outputs on real images.

        Returns:
            The new `p`, a float32 scalar.
        """
        real_logits = ops.convert_to_tensor(real_logits)
        signs = ops.sign(ops.cast(ops.stop_gradient(real_logits), "float32"))
        old_p = self.p.value
        total = self.sign_sum.value + ops.sum(signs)
        count = self.sign_count.value + ops.cast(ops.size(signs), "float32")
        seen = self.updates_seen.value + 1
        adjust = ops.equal(ops.mod(seen, self.interval), 0)
        r_t = total / ops.maximum(count, 1.0)
        step = ops.sign(r_t - self.target) * self.speed
        p = ops.where(adjust, ops.clip(old_p + step, 0.0, 1.0), old_p)
        self.p.assign(p)
        self.sign_sum.assign(ops.where(adjust, 0.0, total))
        self.sign_count.assign(ops.where(adjust, 0.0, count))
        self.updates_seen.assign(seen)
        return p

    def get_config(self):
        return {
            **super().get_config(),
            "target": self.target,
            "interval": self.interval,
            "speed": self.speed,
            "initial_p": self.initial_p,
        }


@keras_gan_export
class AdaptivePseudoAugment(AdaptiveAugment):
    """Adaptive pseudo augmentation (APA): D sometimes sees fakes as reals.

    In each discriminator update, every real image is replaced, with
    probability `p`, by the detached fake of the same batch position (and
    its label), so an overfitting discriminator is told that some of the
    generator's images are real. `p` adapts exactly as in `AdaptiveAugment`
    (ADA): `r_t = E[sign(D(real))]`, over the real batch D was shown, is
    compared with `target` every `interval` updates and `p` moves by
    `speed`; it is logged as `augment_p`. The fakes used are those of the
    same discriminator update (as PyTorch-StudioGAN; the reference
    DeceiveD uses the last generator phase's). Penalties on reals (R1) see
    the mixed batch, as in the reference.

    The step calls `pseudo_augment(real, fake, real_labels, fake_labels)`
    on the augmentation of `GAN.compile(augment=...)` when it has one: this
    class is that augmentation. It can also augment every image on D's path
    (real and fake, both phases) with a fixed DiffAugment `policy`, applied
    always (not with probability `p`); by default it applies none.

    Args:
        policy: None (default: no other augmentation) or a DiffAugment
            policy, e.g. "translation,cutout", applied to all of D's inputs.
        target: float in (0, 1), the target of `r_t`. Defaults to 0.6.
        interval: int, discriminator updates between adjustments. Defaults
            to 4.
        speed: float, the change of `p` per adjustment. Defaults to 0.005.
            (DeceiveD's `ada_kimg=100` at batch 64 and interval 4 is 0.00256.)
        initial_p: float in [0, 1]. Defaults to 0.
        **kwargs: `DiffAugment` arguments (`seed`, ratios, layer arguments).

    Call arguments:
        images: channels-last images.
        training: bool; without it, the layer is the identity.

    Returns:
        Calling it returns the images with `policy` applied (when
        training), or unchanged.

    Examples:

    >>> apa = AdaptivePseudoAugment(initial_p=1.0, seed=0)
    >>> real, fake = ops.zeros((4, 8, 8, 1)), ops.ones((4, 8, 8, 1))
    >>> mixed, _ = apa.pseudo_augment(real, fake)
    >>> float(ops.mean(mixed))  # p = 1: every real replaced by a fake
    1.0

    Reference: Jiang et al., "Deceive D: Adaptive Pseudo Augmentation for
    GAN Training with Limited Data", NeurIPS 2021.
    """

    def __init__(
        self,
        policy=None,
        target=0.6,
        interval=4,
        speed=0.005,
        initial_p=0.0,
        **kwargs,
    ):
        super().__init__(
            policy=policy or "", target=target, interval=interval,
            speed=speed, initial_p=initial_p, **kwargs,
        )
        self.policy = policy

    def call(self, images, training=None):
        if not training or not self.ops:
            return images
        return self.augment(images)

    def pseudo_augment(self, real, fake, real_labels=None, fake_labels=None):
        """Replaces each real image by its fake with probability `p`.

        Args:
            real: the real batch.
            fake: the (detached) fake batch, same shape.
            real_labels: int tensor `(batch,)` or None.
            fake_labels: int tensor `(batch,)` or None.

        Returns:
            `(images, labels)`: the mixed batch and its labels (a replaced
            image carries its fake label).
        """
        real = ops.convert_to_tensor(real)
        fake = ops.cast(ops.stop_gradient(fake), real.dtype)
        batch = ops.shape(real)[0]
        swap = keras.random.uniform((batch,), seed=self.seed_generator)
        swap = swap < self.p.value
        images = ops.where(
            ops.reshape(swap, (-1,) + (1,) * (len(real.shape) - 1)),
            fake, real,
        )
        if real_labels is None or fake_labels is None:
            return images, real_labels
        return images, ops.where(swap, fake_labels, real_labels)

    def get_config(self):
        config = super().get_config()
        config["policy"] = self.policy
        return config
