"""`keras_gan.GAN`: a generator and a discriminator trained with `fit()`."""

import keras
import numpy as np
from keras import ops

from keras_gan import _distributed
from keras_gan import losses as losses_module
from keras_gan._optimizer import GANOptimizer
from keras_gan.backends import trainer_mixin
from keras_gan.utils.export import keras_gan_export


def _default_optimizer():
    return keras.optimizers.Adam(2e-4, beta_1=0.5)


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _shape_tuple(shape):
    return tuple(None if d is None else int(d) for d in shape)


@keras_gan_export
class GAN(*(trainer_mixin(), keras.Model)):
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
    ['d_fake', 'd_loss', 'd_real', 'g_loss']
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
        if num_classes is not None and (
            int(num_classes) != num_classes or num_classes < 2
        ):
            raise ValueError(
                "`num_classes` should be an integer >= 2, or None for an "
                f"unconditional GAN. Received: `num_classes={num_classes}`"
            )
        if fake_labels not in ("uniform", "real"):
            raise ValueError(
                '`fake_labels` should be "uniform" or "real". Received: '
                f"`fake_labels={fake_labels!r}`"
            )
        self.generator = generator
        self.discriminator = discriminator
        self.num_classes = None if num_classes is None else int(num_classes)
        self.fake_labels = fake_labels
        self.seed = seed
        self.seed_generator = _distributed.ReplicaSeedGenerator(
            seed, name="gan_seed"
        )
        self.latent_dim = self._infer_latent_dim(latent_dim)
        self.image_shape = self._check_networks()
        self.loss = None
        self.d_steps = 1
        self.penalties = []
        self.augment = None
        self.ema_generator = None
        self.ema_decay = None
        self.ema_warmup = 0
        self._trackers = []
        self.built = True

    # ------------------------------------------------------------------
    # Construction checks
    def _infer_latent_dim(self, latent_dim):
        inputs = getattr(self.generator, "inputs", None)
        declared = None
        if inputs:
            shape = inputs[0].shape
            if len(shape) != 2:
                raise ValueError(
                    "The generator's latent input should have shape "
                    f"(batch, latent_dim). Received: {_shape_tuple(shape)}."
                )
            declared = shape[-1]
        if latent_dim is None:
            if declared is None:
                raise ValueError(
                    "Cannot infer `latent_dim` from a generator without a "
                    "declared input shape. Pass `latent_dim=` to GAN(...)."
                )
            return int(declared)
        if int(latent_dim) != latent_dim or latent_dim <= 0:
            raise ValueError(
                "`latent_dim` should be a positive integer. Received: "
                f"`latent_dim={latent_dim}`"
            )
        if declared is not None and int(declared) != latent_dim:
            raise ValueError(
                f"`latent_dim={latent_dim}` disagrees with the generator, "
                f"whose latent input has size {declared}. Pass "
                f"`latent_dim={declared}` or leave it out."
            )
        return int(latent_dim)

    def _generator_inputs_spec(self, batch=2):
        z = keras.KerasTensor((batch, self.latent_dim))
        if self.num_classes is None:
            return z
        return [z, keras.KerasTensor((batch,), dtype="int32")]

    def _check_networks(self):
        try:
            fake = self.generator(self._generator_inputs_spec())
        except Exception as e:
            raise ValueError(
                "Could not run the generator on latent vectors of shape "
                f"(batch, {self.latent_dim})"
                + (" and labels" if self.num_classes else "")
                + f": {e}"
            ) from e
        if isinstance(fake, (list, tuple)):
            raise ValueError(
                "The generator should return one tensor of images; it "
                f"returns {len(fake)} outputs."
            )
        image_shape = _shape_tuple(fake.shape[1:])
        inputs = getattr(self.discriminator, "inputs", None)
        if inputs:
            expected = _shape_tuple(inputs[0].shape[1:])
            compatible = len(expected) == len(image_shape) and all(
                e is None or e == g for e, g in zip(expected, image_shape)
            )
            if not compatible:
                raise ValueError(
                    f"The generator's output shape {image_shape} differs "
                    f"from the discriminator's input shape {expected}. "
                    "Make the generator produce images of the "
                    "discriminator's input shape (e.g. build both with the "
                    "same `image_shape`)."
                )
            if self.num_classes is not None and len(inputs) > 2:
                raise ValueError(
                    f"With `num_classes={self.num_classes}` the "
                    "discriminator should take `[images, labels]` (or "
                    "images only, for an auxiliary classifier); it has "
                    f"{len(inputs)} inputs."
                )
        # A conditional discriminator takes `[images, labels]`, unless it
        # declares a single input (AC-GAN: it predicts the labels instead).
        self.discriminator_takes_labels = self.num_classes is not None and (
            not inputs or len(inputs) == 2
        )
        d_inputs = fake
        if self.discriminator_takes_labels:
            d_inputs = [fake, keras.KerasTensor((2,), dtype="int32")]
        try:
            self.discriminator(d_inputs)
        except Exception as e:
            raise ValueError(
                f"Could not run the discriminator on generated images of "
                f"shape {image_shape}: {e}"
            ) from e
        return image_shape

    def _check_batch(self, images, labels):
        """Static checks of a batch, raised before any weight changes."""
        shape = _shape_tuple(images.shape)
        if len(shape) != len(self.image_shape) + 1:
            raise ValueError(
                f"Expected batches of images of shape (batch, "
                f"{', '.join(map(str, self.image_shape))}); received data "
                f"of rank {len(shape)} with shape {shape}. Add or remove "
                "axes (e.g. `x[..., None]` for one channel)."
            )
        mismatch = any(
            e is not None and r is not None and e != r
            for e, r in zip(self.image_shape, shape[1:])
        )
        if mismatch:
            raise ValueError(
                f"The data's image shape {shape[1:]} differs from the "
                f"generator's output shape {self.image_shape}. Resize the "
                "data or build the networks for this shape."
            )
        if self.num_classes is None and labels is not None:
            raise ValueError(
                "This GAN is unconditional but the data yields "
                "(images, labels). Pass images only, or build a conditional "
                "GAN with `GAN(..., num_classes=N)`."
            )
        if self.num_classes is not None:
            if labels is None:
                raise ValueError(
                    f"This GAN is conditional (`num_classes="
                    f"{self.num_classes}`) but the data has no labels. "
                    "Pass `(images, labels)` batches, or `fit(x, labels)`."
                )
            dtype = keras.backend.standardize_dtype(labels.dtype)
            if "int" not in dtype:
                raise ValueError(
                    "Labels should be integers in [0, num_classes); received "
                    f"dtype {dtype}. Convert with `labels.astype('int32')`."
                )

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
            ema_warmup: int, generator updates during which the average
                copies the weights. Defaults to 0.
            jit_compile: bool or "auto": XLA on TensorFlow, `jax.jit` on
                JAX, `torch.compile` on PyTorch.
            run_eagerly: bool, debug mode without compilation.
            steps_per_execution: int, steps per compiled call.

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
        d_optimizer = keras.optimizers.get(d_optimizer or _default_optimizer())
        g_optimizer = keras.optimizers.get(g_optimizer or _default_optimizer())
        if int(d_steps) != d_steps or d_steps < 1:
            raise ValueError(
                "`d_steps` should be a positive integer. Received: "
                f"`d_steps={d_steps}`"
            )
        if ema_decay is not None and not 0.0 < float(ema_decay) < 1.0:
            raise ValueError(
                "`ema_decay` should be in (0, 1), e.g. 0.999, or None. "
                f"Received: `ema_decay={ema_decay}`"
            )
        if int(ema_warmup) != ema_warmup or ema_warmup < 0:
            raise ValueError(
                "`ema_warmup` should be a non-negative integer. Received: "
                f"`ema_warmup={ema_warmup}`"
            )
        self.loss = losses_module.get(loss)
        self.d_steps = int(d_steps)
        self.penalties = _as_list(penalty)
        for p in self.penalties:
            if not callable(p):
                raise ValueError(
                    "`penalty` should be a `keras_gan.penalties` instance or "
                    f"a list of them. Received: {p!r}"
                )
        if augment is not None and not augment.built:
            augment.build((None,) + self.image_shape)
        self.augment = augment
        self.ema_decay = None if ema_decay is None else float(ema_decay)
        self.ema_warmup = int(ema_warmup)
        if self.ema_decay is not None and self.ema_generator is None:
            self.ema_generator = self._make_ema_generator()
        elif self.ema_decay is None:
            self.ema_generator = None

        # Looked up once: walking the layers for them every step is
        # measurable overhead in eager modes. As with Keras, changes to
        # `trainable` take effect at the next `compile`.
        self._phase_variables = (
            self.discriminator.trainable_variables,
            self.generator.trainable_variables,
        )
        optimizer = GANOptimizer(d_optimizer, g_optimizer)
        optimizer.set_networks(*self._phase_variables)
        super().compile(
            optimizer=optimizer,
            jit_compile=jit_compile,
            run_eagerly=run_eagerly,
            steps_per_execution=steps_per_execution,
        )
        self._loss_tracker = None
        names = ["d_loss", "g_loss", "d_real", "d_fake"]
        if self.penalties:
            names.append("penalty")
        if augment is not None and hasattr(augment, "update"):
            names.append("augment_p")
        self._trackers = [keras.metrics.Mean(name=n) for n in names]
        self.optimizer.build(self.trainable_variables)
        self._gan_compile_config = dict(
            d_optimizer=keras.optimizers.serialize(d_optimizer),
            g_optimizer=keras.optimizers.serialize(g_optimizer),
            loss=keras.saving.serialize_keras_object(self.loss),
            d_steps=self.d_steps,
            penalty=[
                keras.saving.serialize_keras_object(p) for p in self.penalties
            ],
            augment=keras.saving.serialize_keras_object(augment),
            ema_decay=self.ema_decay,
            ema_warmup=self.ema_warmup,
            jit_compile=jit_compile,
            run_eagerly=run_eagerly,
            steps_per_execution=steps_per_execution,
        )

    def _make_ema_generator(self):
        source = self.generator
        if isinstance(source, keras.Sequential) or getattr(
            source, "_is_graph_network", False
        ):
            ema = keras.models.clone_model(source)
        else:
            ema = source.__class__.from_config(source.get_config())
            ema(self._generator_inputs_spec())
        ema.set_weights(source.get_weights())
        ema.trainable = False
        return ema

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
        config = dict(config)
        config["loss"] = losses_module.get(config["loss"])
        config["penalty"] = [
            keras.saving.deserialize_keras_object(p) for p in config["penalty"]
        ] or None
        config["augment"] = keras.saving.deserialize_keras_object(
            config["augment"]
        )
        self.compile(**config)

    # ------------------------------------------------------------------
    # Training
    def fit(self, x=None, y=None, *args, **kwargs):
        if not self.compiled:
            raise ValueError(
                "`GAN.fit()` was called before `GAN.compile()`. Call "
                "`gan.compile(d_optimizer=..., g_optimizer=..., loss=...)` "
                "first (every argument has a default)."
            )
        self._check_array_data(x, y)
        # Keras's JAX trainer detaches the variables' values while it
        # trains; an error in the first step (e.g. a data check) would leave
        # them empty. Keep references (no copies) and put them back.
        saved = []
        if keras.backend.backend() == "jax":
            state = self.variables + self.optimizer.variables
            saved = [(v, v.value) for v in state + self.metrics_variables]
        try:
            return super().fit(x, y, *args, **kwargs)
        except Exception:
            for variable, value in saved:
                if variable._value is None:
                    variable.assign(value)
            raise

    def _check_array_data(self, x, y):
        """Value checks on in-memory data, before any weight changes."""
        if isinstance(x, (tuple, list)) and y is None and len(x) == 2:
            x, y = x
        if y is not None and self.num_classes is not None:
            if isinstance(y, np.ndarray) or isinstance(y, (list, tuple)):
                labels = np.asarray(y)
                if labels.size and not np.issubdtype(labels.dtype, np.integer):
                    raise ValueError(
                        "Labels should be integers in [0, num_classes); "
                        f"received dtype {labels.dtype}. Convert with "
                        "`labels.astype('int32')`."
                    )
                if labels.size and (
                    labels.min() < 0 or labels.max() >= self.num_classes
                ):
                    raise ValueError(
                        f"Labels should be in [0, {self.num_classes}); "
                        f"received values from {labels.min()} to "
                        f"{labels.max()}. Check `num_classes` or remap the "
                        "labels."
                    )

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
        if int(num_samples) != num_samples or num_samples <= 0:
            raise ValueError(
                "`num_samples` should be a positive integer. Received: "
                f"`num_samples={num_samples}`"
            )
        num_samples = int(num_samples)
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((num_samples, self.latent_dim)).astype(
            "float32"
        )
        labels = self._generate_labels(labels, num_samples, rng)
        net = self.generator
        if use_ema and self.ema_generator is not None:
            net = self.ema_generator
        outputs = []
        for start in range(0, num_samples, batch_size):
            zb = z[start : start + batch_size]
            inputs = zb if labels is None else [
                zb, labels[start : start + batch_size]
            ]
            outputs.append(ops.convert_to_numpy(net(inputs, training=False)))
        return np.concatenate(outputs).astype("float32")

    def _generate_labels(self, labels, num_samples, rng):
        if self.num_classes is None:
            if labels is not None:
                raise ValueError(
                    "This GAN is unconditional: `generate()` takes no "
                    "labels. Build it with `num_classes=` to condition."
                )
            return None
        if labels is None:
            return rng.integers(0, self.num_classes, num_samples).astype(
                "int32"
            )
        labels = np.asarray(labels)
        if not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(
                f"`labels` should be integers; received dtype {labels.dtype}."
            )
        if labels.ndim == 0:
            labels = np.full((num_samples,), int(labels))
        labels = labels.reshape(-1).astype("int32")
        if len(labels) != num_samples:
            raise ValueError(
                f"Got {len(labels)} labels for `num_samples={num_samples}`: "
                "pass one label per sample, or a single int."
            )
        if labels.min() < 0 or labels.max() >= self.num_classes:
            raise ValueError(
                f"`labels` should be in [0, {self.num_classes}); received "
                f"values from {labels.min()} to {labels.max()}."
            )
        return labels

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

    def load_own_variables(self, store):
        if "seed" in store:
            self.seed_generator.state.assign(store["seed"])
