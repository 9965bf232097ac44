"""`keras_gan.GAN`: a generator and a discriminator trained with `fit()`."""

import keras
import numpy as np
from keras import ops

from keras_gan import training
from keras_gan.training import checkpoint
from keras_gan.training import compiled
from keras_gan.training import faults
from keras_gan.training import networks
from keras_gan.training import resume
from keras_gan.training.optimizer import GANOptimizer
from keras_gan.training.seed import ReplicaSeedGenerator
from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export

#: This backend's `train_step` (and driver); see `keras_gan/training/`.
_Trainer = training.trainer_mixin()


@keras_gan_export
class GAN(_Trainer, keras.Model):
    """A generator and a discriminator, trained with `compile()` / `fit()`.

    `fit` alternates `d_steps` discriminator updates with one generator
    update, on TensorFlow, JAX and PyTorch alike: the step's math lives in
    one backend-free module and each backend only supplies "take the
    gradients of this loss and apply them". The GAN is built from its two
    networks at construction, so `fit` never calls the generator on images.

    Args:
        generator: a Keras model from latent vectors `(batch, latent_dim)`
            (and integer labels, when conditional) to images.
        discriminator: a Keras model from images (and labels, when
            conditional) to raw logits, `(batch, 1)` or `(batch,)`; AC-GAN
            discriminators return `[logits, class_logits]`.
        latent_dim: int, the size of `z`. Defaults to the generator's input
            size; when given, it must agree with it.
        num_classes: int or None. With a number of classes the GAN is
            conditional: the data yields `(images, labels)` with integer
            labels, the generator is called with `[z, labels]` and the
            discriminator with `[images, labels]`.
        fake_labels: "uniform" (default) draws the classes of fake batches
            uniformly; "real" reuses the real batch's labels.
        seed: int or None, seeds the GAN's `keras.random.SeedGenerator`
            (latent vectors, fake labels).
        **kwargs: passed to `keras.Model` (e.g. `name`).

    Call arguments:
        inputs: latent vectors `z` (or `[z, labels]` when conditional).
        training: bool, passed to the generator.

    Returns:
        Calling the GAN returns generated images.

    Examples:

    >>> import keras_gan
    >>> g, d = keras_gan.models.mlp(image_shape=(8, 8, 1), latent_dim=16)
    >>> gan = keras_gan.GAN(g, d)
    >>> gan.compile(loss="non_saturating")
    >>> x, _ = keras_gan.data.load_digits()
    >>> history = gan.fit(x[:64], batch_size=32, epochs=1, verbose=0)
    >>> sorted(history.history)
    ['bad_steps', 'd_fake', 'd_loss', 'd_real', 'g_loss', 'loss']
    >>> gan.generate(4, seed=0).shape
    (4, 8, 8, 1)
    """

    def __init__(
        self,
        generator,
        discriminator,
        latent_dim=None,
        num_classes=None,
        fake_labels="uniform",
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        for arg, net in (("generator", generator), ("discriminator",
                                                    discriminator)):
            if not isinstance(net, keras.layers.Layer):
                raise TypeError(
                    f"`{arg}` should be a Keras model or layer. Received: "
                    f"`{arg}={net!r}` of type {type(net).__name__}."
                )
        self.generator = generator
        self.discriminator = discriminator
        self.num_classes = validation.check_int(
            "num_classes", num_classes, minimum=2, allow_none=True
        )
        self.fake_labels = validation.check_choice(
            "fake_labels", fake_labels, ("uniform", "real")
        )
        self.seed = validation.check_int("seed", seed, allow_none=True)
        self.seed_generator = ReplicaSeedGenerator(seed, name="gan_seed")
        self.latent_dim = networks.infer_latent_dim(generator, latent_dim)
        self.image_shape, self.discriminator_takes_labels = (
            networks.check_networks(
                generator, discriminator, self.latent_dim, self.num_classes
            )
        )
        self.loss = None
        self.d_steps = 1
        self.penalties = []
        self.augment = None
        self.ema_generator = None
        self.ema_decay = None
        self.ema_warmup = 0
        self.ema_kimg = self.ema_rampup = self.top_k = None
        self._trackers = []
        self._step_config = None
        self.max_bad_steps = 10
        self.data_range = None
        self._fault_error = None
        # The code of a batch the TensorFlow step refused (see
        # `training/faults.py`); read by `FaultMonitor`.
        # (shuffle seed, epochs completed, epoch of the current fit): saved,
        # so that a resumed run sees the data in the same order.
        self.training_progress = (
            seed if seed is not None else int(np.random.randint(2**31 - 1)),
            0,
            0,
        )
        self.data_fault = keras.Variable(
            0, dtype="int32", trainable=False, name="data_fault"
        )
        self.built = True

    # ------------------------------------------------------------------
    # Construction checks
    # ------------------------------------------------------------------
    # Compile
    def compile(
        self,
        d_optimizer=None,
        g_optimizer=None,
        loss="non_saturating",
        d_steps=1,
        penalty=None,
        augment=None,
        ema_decay=None,
        ema_warmup=0,
        jit_compile="auto",
        run_eagerly=False,
        steps_per_execution=1,
        max_bad_steps=10,
        data_range="auto",
        top_k=None,
        ema_kimg=None,
        ema_rampup=None,
    ):
        """Configures the GAN for training.

        Args:
            d_optimizer: optimizer (instance, name or config) for the
                discriminator. Defaults to `Adam(2e-4, beta_1=0.5)`.
            g_optimizer: optimizer for the generator, a different object.
                Defaults to `Adam(2e-4, beta_1=0.5)`.
            loss: a name ("minimax", "non_saturating", "least_squares",
                "wasserstein", "hinge", "relativistic") or a
                `keras_gan.losses` instance. Defaults to "non_saturating".
            d_steps: int, discriminator (critic) updates per generator
                update; each sees the same real batch and fresh latents.
            penalty: a `keras_gan.penalties` instance, a list of them, or
                None; added to the discriminator's loss, logged as
                `penalty`.
            augment: a `keras_gan.augment` instance applied to real and
                fake images on the discriminator's path, or None.
            ema_decay: float in (0, 1) or None. Keeps `gan.ema_generator`,
                an exponential moving average of the generator's weights.
                Or give `ema_kimg` instead (not both).
            ema_warmup: int, generator updates during which the average
                copies the weights. Defaults to 0.
            jit_compile: bool or "auto": XLA on TensorFlow, `jax.jit` on
                JAX, `torch.compile` on PyTorch.
            run_eagerly: bool, debug mode without compilation.
            steps_per_execution: int, steps per compiled call.
            max_bad_steps: int or None. A step whose loss or gradients are
                not finite is skipped (weights, batch-norm statistics and
                optimizer state keep their values) and counted in the
                `bad_steps` log; `fit` stops with an error once this many
                steps of one `fit` were skipped. None never stops.
                Defaults to 10.
            data_range: "auto" (default), None or `(low, high)`: the range
                the data should lie in. "auto" reads the generator's last
                activation (tanh: [-1, 1], sigmoid: [0, 1]; anything else:
                no check). Batches clearly outside it (by more than half
                its width) and integer images are refused. None skips the
                check.
            top_k: None, a fraction in (0, 1] or a `keras_gan.TopK`
                schedule: the generator learns only from the fakes that D
                scores highest (Sinha et al. 2020). Defaults to None.
            ema_kimg: float or None, the EMA's half-life in thousands of
                images (StyleGAN2): `decay = 0.5 ** (batch_size / (ema_kimg
                * 1000))`. Keeps `gan.ema_generator` like `ema_decay`.
            ema_rampup: float or None, with `ema_kimg`: the half-life is at
                most `ema_rampup` times the images seen so far (StyleGAN2
                uses 0.05).

        Returns:
            None.

        Examples:

        >>> import keras, keras_gan
        >>> g, d = keras_gan.models.mlp(image_shape=(8, 8, 1), latent_dim=8)
        >>> gan = keras_gan.GAN(g, d)
        >>> gan.compile(keras.optimizers.Adam(1e-4), keras.optimizers.Adam(),
        ...             loss="hinge", d_steps=2)
        >>> gan.d_steps
        2
        """
        options = dict(locals())
        options.pop("self")
        options.pop("__class__", None)
        d_optimizer, g_optimizer = compiled.configure(self, options)
        optimizer = GANOptimizer(d_optimizer, g_optimizer)
        # Looked up once: walking the layers every step is measurable
        # overhead in eager modes. As with Keras, changes to `trainable`
        # take effect at the next `compile`.
        optimizer.set_networks(
            self.discriminator.trainable_variables,
            self.generator.trainable_variables,
        )
        super().compile(
            optimizer=optimizer,
            jit_compile=jit_compile,
            run_eagerly=run_eagerly,
            steps_per_execution=validation.positive_int(
                "steps_per_execution", steps_per_execution
            ),
        )
        self._trackers = compiled.make_trackers(self)
        self.optimizer.build(self.trainable_variables)
        self._step_config = None
        self._gan_compile_config = compiled.compile_config(
            self, options, d_optimizer, g_optimizer
        )

    def step_config(self):
        """The declared interface that the training step reads.

        Returns:
            A `keras_gan.training.step.StepConfig`, built once per
            `compile`.
        """
        if self._step_config is None:
            self._step_config = compiled.step_config(
                self, self._gan_optimizer()
            )
        return self._step_config

    @property
    def d_optimizer(self):
        """The discriminator's optimizer (after `compile`)."""
        return self._gan_optimizer().d_optimizer

    @property
    def g_optimizer(self):
        """The generator's optimizer (after `compile`)."""
        return self._gan_optimizer().g_optimizer

    def _gan_optimizer(self):
        optimizer = getattr(self, "optimizer", None)
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if not isinstance(optimizer, GANOptimizer):
            raise AttributeError(
                "The GAN has no optimizers yet: call `gan.compile()` first."
            )
        return optimizer

    @property
    def metrics(self):
        return list(self._trackers)

    def get_compile_config(self):
        if not self.compiled:
            return {}
        return dict(self._gan_compile_config)

    def compile_from_config(self, config):
        self.compile(**compiled.from_compile_config(config))

    # ------------------------------------------------------------------
    # Training
    def fit(self, x=None, y=None, *args, **kwargs):
        if not self.compiled:
            raise ValueError(
                "`GAN.fit()` was called before `GAN.compile()`. Call "
                "`gan.compile(d_optimizer=..., g_optimizer=..., loss=...)` "
                "first (every argument has a default)."
            )
        if isinstance(x, (tuple, list)) and y is None and len(x) == 2:
            x, y = x
        if isinstance(y, np.ndarray) and self.num_classes is not None:
            faults.check_label_shape(y)
        networks.check_array_labels(y, self.num_classes)
        x, y, kwargs = resume.fit_arguments(self, x, y, args, kwargs)
        self.data_fault.assign(0)
        self._fault_error = None
        try:
            history = super().fit(x, y, **kwargs)
        except Exception as e:
            clean = resume.clean_data_error(e, self.step_config())
            if clean is e:
                raise
            raise clean from e
        error, self._fault_error = self._fault_error, None
        if error is not None:
            raise error
        return history

    def train_step(self, *args):
        if self.loss is None:
            raise ValueError("Call `gan.compile()` before training.")
        return super().train_step(*args)

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    def test_step(self, *args):
        raise NotImplementedError(
            "A GAN has no validation loss: `evaluate` and `validation_data` "
            "are not supported. Use `keras_gan.callbacks.GANEvaluator` to "
            "measure FID / KID during `fit`."
        )

    # ------------------------------------------------------------------
    # Sampling
    def generate(
        self, num_samples, labels=None, seed=None, use_ema=True, batch_size=256
    ):
        """Generates images as a numpy array, in the generator's range.

        Args:
            num_samples: int, how many images.
            labels: for a conditional GAN, integer class labels: one per
                sample, or a single int for all; None draws them uniformly.
            seed: int or None. The same seed gives the same images.
            use_ema: bool, use `ema_generator` when there is one. Defaults
                to True.
            batch_size: int, the generator's batch size. Defaults to 256.

        Returns:
            A numpy array `(num_samples, *image_shape)`.

        Examples:

        >>> import keras_gan
        >>> g, d = keras_gan.models.mlp(image_shape=(8, 8, 1), latent_dim=8)
        >>> gan = keras_gan.GAN(g, d)
        >>> a = gan.generate(2, seed=1)
        >>> b = gan.generate(2, seed=1)
        >>> bool((a == b).all())
        True
        """
        num_samples = validation.positive_int("num_samples", num_samples)
        batch_size = validation.positive_int("batch_size", batch_size)
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((num_samples, self.latent_dim)).astype(
            "float32"
        )
        labels = networks.sample_labels(
            labels, num_samples, self.num_classes, rng
        )
        net = self.generator
        if use_ema and self.ema_generator is not None:
            net = self.ema_generator
        return networks.generate_into(net, z, labels, batch_size)

    # ------------------------------------------------------------------
    # Saving
    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(
                self.discriminator
            ),
            "latent_dim": self.latent_dim,
            "num_classes": self.num_classes,
            "fake_labels": self.fake_labels,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(
                config[key], custom_objects=custom_objects
            )
        return cls(**config)

    # The seed generator is not a saveable Keras object: keep its state
    # here so that a resumed run draws the same latents as an uninterrupted
    # one.
    def save_own_variables(self, store):
        store["seed"] = ops.convert_to_numpy(self.seed_generator.state)
        store["progress"] = np.asarray(self.training_progress, "int64")

    def load_own_variables(self, store):
        if "seed" in store:
            self.seed_generator.state.assign(store["seed"])
        if "progress" in store:
            self.training_progress = tuple(
                int(v) for v in np.asarray(store["progress"])
            )

    def save(self, filepath, overwrite=True, **kwargs):
        """`keras.Model.save`, atomic: the old file stays until it is done.

        The file is written in the same folder under a temporary name and
        renamed over `filepath` once complete, so a crash or a failed save
        leaves the previous file intact. Non-finite weights are refused.
        """
        checkpoint.save(super().save, self, filepath, overwrite, **kwargs)

    def save_weights(self, filepath, overwrite=True, **kwargs):
        """`keras.Model.save_weights`, atomic like `save`."""
        checkpoint.save(
            super().save_weights, self, filepath, overwrite, **kwargs
        )

    def load_weights(self, filepath, *args, **kwargs):
        if checkpoint.is_local(filepath):
            checkpoint.check_readable(filepath)
        return super().load_weights(filepath, *args, **kwargs)
