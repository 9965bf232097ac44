"""Recipes: one call that returns a compiled GAN chosen for the data.

A recipe is a builder, a loss, penalties, an augmentation, an EMA and two
optimizers that were measured to learn together. `build(recipe="auto",
image_shape=..., num_images=...)` picks one from the data's shape and
size; `names()` lists them. Each recipe is also a function of this module
(`recipes.dcgan(...)`, ...) whose docstring states its choices and where
they come from.

Choosing: "auto" picks `dcgan_diffaugment` for small folders (fewer than
`SMALL_DATA` images) of images larger than `SMALL_SIDE`, and `dcgan`
otherwise; the numbers behind the choice are in `benchmarks/small_data.py`,
`benchmarks/diffaugment_digits.py` and the "Train on your own images" and
"Differentiable augmentation" guides.

Batch size is the caller's choice (`fit(..., batch_size=...)`); the
recipes were measured with 32 to 64 images a batch.
"""

import keras

from keras_gan import augment as augment_module
from keras_gan import losses
from keras_gan import models
from keras_gan import penalties
from keras_gan.gan import GAN
from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export

#: Below this many training images "auto" treats the data as small.
SMALL_DATA = 5000

#: Images whose larger side is at most this get no augmentation from
#: "auto": on 150 8x8 digits DiffAugment's translation (one pixel at that
#: size) raised the classifier-FID from 5.70 to 9.94 and cutout left it at
#: 5.77 (benchmarks/diffaugment_digits.py, 3 seeds). Above it, small
#: folders keep DiffAugment (Zhao et al. 2020), meant for runs long enough
#: for D to memorize them; within 1,008 steps on 384 photo crops of 32x32
#: it cost a little (pooled-pixel FD 2.05 against 1.58, small_data.py).
SMALL_SIDE = 8

#: R1 and R2 weight of the r3gan recipes (the paper's CIFAR-10 start value).
R3GAN_GAMMA = 0.05

#: The operations `r3gan_ada` applies with its tuned probability.
ADA_POLICY = "translation,cutout"


#: The recipes' EMA of the generator, in the StyleGAN2 form
#: (`compile(ema_kimg=, ema_rampup=)`): a half-life of 4,400 images, which
#: at batch 64 is a decay of 0.99, the best of the decays measured on the
#: 8x8 digits over 1,000 to 1,500 steps (issue 10: no EMA 0.85, 0.99 0.39,
#: 0.995 0.43, 0.999 1.66 in classifier-FID; benchmarks/ema_batch_stats.py
#: confirms 0.99 over 0.999), and, unlike a fixed decay, the same average
#: over images at any batch size. The ramp-up (StyleGAN2-ADA's 0.05) caps
#: the half-life at 5% of the images seen so far, so a short run's
#: average follows its weights instead of its initialization.
EMA = {"ema_kimg": 4.4, "ema_rampup": 0.05}


#: The DCGAN recipes' generator learning rate: 4x the discriminator's
#: 2e-4 (Radford et al. 2016's value for both). Measured on the 28x28 digits
#: (616 steps, batch 32, seeds 0 to 2, classifier-FID): G at 2e-4 3.00
#: (mean), 4e-4 2.44, 8e-4 1.79 (seed 0 at 1.6e-3: 1.93); on 384 photo
#: crops (1,008 steps) the pooled-pixel FD fell from 3.49 to 1.58 (seed 0).
#: With equal rates the discriminator wins early and the samples collapse
#: for hundreds of steps (docs "Train on your own images").
DCGAN_G_LEARNING_RATE = 8e-4


def _adam(learning_rate, beta_1=0.5, beta_2=0.999):
    return keras.optimizers.Adam(learning_rate, beta_1=beta_1, beta_2=beta_2)


def _filters(image_shape, num_images):
    """DCGAN width: narrower for small images and small folders."""
    side = max(image_shape[0], image_shape[1])
    if side <= 16 or (num_images is not None and num_images < 1000):
        return 32
    return 64


def _dcgan_pair(image_shape, num_images, num_classes, latent_dim):
    return models.dcgan(
        image_shape=image_shape,
        latent_dim=latent_dim,
        filters=_filters(image_shape, num_images),
        num_classes=num_classes,
    )


def _check(image_shape, num_images, num_classes, seed):
    if not isinstance(image_shape, (tuple, list)) or len(image_shape) != 3:
        raise ValueError(
            "`image_shape` should be a tuple (height, width, channels). "
            f"Received: `image_shape={image_shape!r}`"
        )
    image_shape = tuple(
        validation.positive_int("image_shape", s) for s in image_shape
    )
    num_images = validation.positive_int(
        "num_images", num_images, allow_none=True
    )
    num_classes = validation.check_int(
        "num_classes", num_classes, minimum=2, allow_none=True
    )
    seed = validation.check_int("seed", seed, allow_none=True)
    if seed is not None:
        # The builders draw their initial weights from Keras's global
        # generator: seeding it makes `build(..., seed=s)` reproducible.
        keras.utils.set_random_seed(seed)
    return image_shape, num_images, num_classes, seed


@keras_gan_export
def dcgan(image_shape, num_images=None, num_classes=None, seed=None):
    """DCGAN with the reference settings: the plain baseline.

    Choices and sources:

    - networks: `models.dcgan`, 32 filters for images of side <= 16 or
      fewer than 1,000 images, else 64; latent size 100 (Radford et al.
      2016);
    - loss: non-saturating (Goodfellow et al. 2014), no penalty, no
      augmentation;
    - optimizers: Adam(beta_1=0.5) (Radford et al. 2016) with learning
      rates 2e-4 for the discriminator and `DCGAN_G_LEARNING_RATE` = 8e-4,
      4x as fast, for the generator (measured: classifier-FID 3.00 -> 1.79
      on 28x28 digits at 616 steps against equal rates; see
      `DCGAN_G_LEARNING_RATE`);
    - EMA of the generator (Yazici et al. 2019, "The Unusual
      Effectiveness of Averaging in GAN Training"): `EMA`, a half-life of
      4,400 images with ramp-up (measured; see `EMA`).

    Suits thousands of images; on a few hundred, the discriminator
    memorizes them (use `dcgan_diffaugment` or "auto").

    Args:
        image_shape: tuple `(height, width, channels)`.
        num_images: int or None, the number of training images.
        num_classes: int or None, for a class-conditional GAN.
        seed: int or None, seeds the weights, the latents and the
            augmentation.

    Returns:
        A compiled `keras_gan.GAN`.

    Examples:

    >>> gan = dcgan((16, 16, 1), num_images=2000, seed=0)
    >>> type(gan.loss).__name__
    'NonSaturating'
    """
    image_shape, num_images, num_classes, seed = _check(
        image_shape, num_images, num_classes, seed
    )
    g, d = _dcgan_pair(image_shape, num_images, num_classes, 100)
    gan = GAN(g, d, num_classes=num_classes, seed=seed)
    gan.compile(
        d_optimizer=_adam(2e-4),
        g_optimizer=_adam(DCGAN_G_LEARNING_RATE),
        loss="non_saturating",
        **EMA,
    )
    return gan


@keras_gan_export
def dcgan_diffaugment(
    image_shape, num_images=None, num_classes=None, seed=None
):
    """DCGAN with differentiable augmentation, for a few hundred images.

    Choices and sources:

    - networks, loss and optimizers as in `dcgan`;
    - augmentation: `DiffAugment("translation,cutout")` on reals and fakes
      in both phases (Zhao et al. 2020, "Differentiable Augmentation for
      Data-Efficient GAN Training"); `color` is left out: on 384 photo
      crops (32x32, 1,008 steps) the samples collapsed with it, diversity
      0.33 of real against 0.99 with "translation,cutout"
      (`benchmarks/small_data.py`, docs "Differentiable augmentation");
    - EMA of the generator: `EMA`, a half-life of 4,400 images with
      ramp-up, suited to runs of a few thousand steps (issue 10: decay 0.99,
      the same at batch 64, gave classifier-FID 0.39 on 8x8 digits in 1,500
      steps, 0.999 gave 1.66).

    Args:
        image_shape: tuple `(height, width, channels)`.
        num_images: int or None, the number of training images.
        num_classes: int or None, for a class-conditional GAN.
        seed: int or None, seeds the weights, the latents and the
            augmentation.

    Returns:
        A compiled `keras_gan.GAN`.

    Examples:

    >>> gan = dcgan_diffaugment((16, 16, 3), num_images=200, seed=0)
    >>> gan.augment.policy
    'translation,cutout'
    """
    image_shape, num_images, num_classes, seed = _check(
        image_shape, num_images, num_classes, seed
    )
    g, d = _dcgan_pair(image_shape, num_images, num_classes, 100)
    gan = GAN(g, d, num_classes=num_classes, seed=seed)
    gan.compile(
        d_optimizer=_adam(2e-4),
        g_optimizer=_adam(DCGAN_G_LEARNING_RATE),
        loss=losses.NonSaturating(),
        augment=augment_module.DiffAugment("translation,cutout", seed=seed),
        **EMA,
    )
    return gan


def _r3gan_width(image_shape, num_images):
    """R3GAN width, scaled for a CPU: 32 channels up to 32x32, else 64."""
    side = max(image_shape[0], image_shape[1])
    del num_images  # Width follows the image size only.
    return 32 if side <= 32 else 64


def _r3gan(image_shape, num_images, num_classes, seed, augment=None,
           extra_penalties=()):
    """The R3GAN recipe's body; the variants differ only by their
    `augment` and `extra_penalties` (e.g. LeCam), one argument each."""
    image_shape, num_images, num_classes, seed = _check(
        image_shape, num_images, num_classes, seed
    )
    g, d = models.r3gan(
        image_shape=image_shape,
        latent_dim=64,
        num_classes=num_classes,
        width=_r3gan_width(image_shape, num_images),
        blocks_per_stage=1,
        group_size=16,
    )
    gan = GAN(g, d, num_classes=num_classes, seed=seed)
    gan.compile(
        d_optimizer=_adam(2e-4, beta_1=0.0, beta_2=0.99),
        g_optimizer=_adam(2e-4, beta_1=0.0, beta_2=0.99),
        loss=losses.RelativisticPairing(),
        penalty=[
            penalties.R1(gamma=R3GAN_GAMMA, augment=augment is not None),
            penalties.R2(gamma=R3GAN_GAMMA, augment=augment is not None),
            *extra_penalties,
        ],
        augment=augment,
        **EMA,
    )
    return gan



@keras_gan_export
def r3gan(image_shape, num_images=None, num_classes=None, seed=None):
    """R3GAN, the normalization-free modern baseline, without augmentation.

    Choices and sources:
    - networks: `models.r3gan` (Huang et al. 2024, brownvc/R3GAN): no
      normalization, residual blocks (1x1, grouped 3x3, 1x1 starting at
      zero), [1, 2, 1] blur resampling, latent size 64; scaled for a CPU
      from the paper's 768 channels and 2 blocks per stage to 32 channels
      (64 above 32x32) and 1 block per stage;
    - loss: relativistic pairing (`losses.RelativisticPairing`) with the
      zero-centred R1 and R2 together, `gamma = 0.05` each (the paper's
      CIFAR-10 value at the start of its schedule; the paper decays it to
      0.005 over its long run, which short runs do not reach);
    - optimizers: Adam(2e-4, beta_1=0, beta_2=0.99) for both networks (the
      paper's; it ramps beta_2 from 0.9 to 0.99 and the learning rate from
      2e-4 down to 5e-5 over millions of images: constant here, Keras's
      Adam takes no schedule for beta_2);
    - EMA of the generator: a half-life in images with ramp-up, as the
      paper's (its 10 kimg at batch 32 is for long runs): `EMA`, 4,400
      images (measured; see `EMA`).

    Args:
        image_shape: tuple `(height, width, channels)`, both sides >= 8.
        num_images: int or None, the number of training images.
        num_classes: int or None, for a class-conditional GAN.
        seed: int or None, seeds the weights and the latents.

    Returns:
        A compiled `keras_gan.GAN`.

    Examples:

    >>> gan = r3gan((16, 16, 3), num_images=200, seed=0)
    >>> type(gan.loss).__name__, [type(p).__name__ for p in gan.penalties]
    ('RelativisticPairing', ['R1', 'R2'])
    """
    return _r3gan(image_shape, num_images, num_classes, seed)


@keras_gan_export
def r3gan_ada(image_shape, num_images=None, num_classes=None, seed=None):
    """R3GAN with adaptive discriminator augmentation, for small folders.

    Choices and sources: those of `r3gan` (networks, loss and
    penalties, optimizers, EMA), plus:
    - augmentation: `AdaptiveAugment("translation,cutout")` (Karras et
      al. 2020,
      "Training Generative Adversarial Networks with Limited Data": target
      `r_t = 0.6`, the probability tuned every 4 discriminator updates);
      R1 and R2 are taken on the augmented images, as in StyleGAN2-ADA and
      R3GAN.

    Args:
        image_shape: tuple `(height, width, channels)`, both sides >= 8.
        num_images: int or None, the number of training images.
        num_classes: int or None, for a class-conditional GAN.
        seed: int or None, seeds the weights, the latents and the
            augmentation.

    Returns:
        A compiled `keras_gan.GAN`.

    Examples:

    >>> gan = r3gan_ada((16, 16, 3), num_images=200, seed=0)
    >>> type(gan.augment).__name__
    'AdaptiveAugment'
    """
    augment = augment_module.AdaptiveAugment(ADA_POLICY, seed=seed)
    return _r3gan(image_shape, num_images, num_classes, seed, augment=augment)


_RECIPES = {
    "dcgan": dcgan,
    "dcgan_diffaugment": dcgan_diffaugment,
    "r3gan": r3gan,
    "r3gan_ada": r3gan_ada,
}


@keras_gan_export
def names():
    """The recipe names that `build` accepts, "auto" first.

    Returns:
        A tuple of strings.

    Examples:

    >>> names()[:3]
    ('auto', 'dcgan', 'dcgan_diffaugment')
    """
    return ("auto",) + tuple(_RECIPES)


@keras_gan_export
def choose(image_shape, num_images=None, num_classes=None):
    """The recipe that "auto" picks for this data.

    Args:
        image_shape: tuple `(height, width, channels)`.
        num_images: int or None, the number of training images (None:
            unknown, treated as large).
        num_classes: int or None.

    Returns:
        A recipe name from `names()`.

    Examples:

    >>> choose((32, 32, 3), num_images=200)
    'dcgan_diffaugment'
    >>> choose((32, 32, 3), num_images=50000)
    'dcgan'
    >>> choose((8, 8, 1), num_images=150)  # too small for augmentation
    'dcgan'
    """
    del num_classes  # Not used by the current rule.
    image_shape, num_images, _, _ = _check(image_shape, num_images, None,
                                           None)
    small_data = num_images is not None and num_images < SMALL_DATA
    if small_data and max(image_shape[:2]) > SMALL_SIDE:
        return "dcgan_diffaugment"
    return "dcgan"


@keras_gan_export
def build(
    recipe="auto", image_shape=None, num_images=None, num_classes=None,
    seed=None,
):
    """Builds and compiles a GAN from a named recipe.

    Args:
        recipe: a name from `names()`. "auto" (default) picks one from the
            data with `choose()`.
        image_shape: tuple `(height, width, channels)`, the training
            images' shape (required).
        num_images: int or None, the number of training images; small
            folders get augmentation.
        num_classes: int or None; with a number of classes the GAN is
            class-conditional (data `(images, labels)`).
        seed: int or None. Seeds Keras's global generator before the
            networks are built (`keras.utils.set_random_seed`), the GAN's
            latents and the augmentation, so that the same call gives the
            same GAN.

    Returns:
        A compiled `keras_gan.GAN`, ready for `fit`.

    Examples:

    >>> import keras_gan
    >>> gan = keras_gan.recipes.build(image_shape=(8, 8, 1),
    ...                               num_images=150, seed=0)
    >>> gan.compiled
    True
    """
    names_ = names()
    recipe = validation.check_choice("recipe", recipe, names_)
    if image_shape is None:
        raise ValueError(
            "`image_shape` is required: the shape (height, width, channels) "
            "of the training images. Received: `image_shape=None`"
        )
    if recipe == "auto":
        recipe = choose(image_shape, num_images, num_classes)
    return _RECIPES[recipe](
        image_shape, num_images=num_images, num_classes=num_classes,
        seed=seed,
    )
