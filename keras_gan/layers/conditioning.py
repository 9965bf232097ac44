"""Class conditioning: label embeddings and the projection discriminator."""

import keras
from keras import ops

from keras_gan.layers import _utils
from keras_gan.utils import validation
from keras_gan.utils.export import keras_gan_export


@keras_gan_export
class ClassEmbedding(keras.layers.Layer):
    """Integer class labels to a learned embedding vector.

    The cGAN way to condition a network: concatenate the embedding to the
    latent `z` of the generator, or broadcast it over the positions of a
    feature map. Unlike `keras.layers.Embedding`, labels out of
    `[0, num_classes)` raise an error naming the bad values whenever the
    values are known (eager calls); inside a compiled function they cannot
    be read, and each backend treats them its own way.

    Args:
        num_classes: int, the number of classes.
        output_dim: int, the size of the embedding.
        embeddings_initializer: initializer of the `(num_classes,
            output_dim)` table. Defaults to `"random_normal"`.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        inputs: integer labels `(batch,)` or `(batch, 1)`.

    Returns:
        A tensor `(batch, output_dim)`, in the compute dtype.

    Examples:

    >>> embed = ClassEmbedding(num_classes=10, output_dim=8)
    >>> tuple(embed(ops.array([0, 3, 9])).shape)
    (3, 8)

    Reference: Mirza & Osindero, "Conditional Generative Adversarial Nets",
    2014.
    """

    def __init__(
        self,
        num_classes,
        output_dim,
        embeddings_initializer="random_normal",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_classes = validation.positive_int("num_classes", num_classes)
        self.output_dim = validation.positive_int("output_dim", output_dim)
        self.embeddings_initializer = keras.initializers.get(
            embeddings_initializer
        )

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            shape=(self.num_classes, self.output_dim),
            initializer=self.embeddings_initializer,
            name="embeddings",
        )

    def call(self, inputs):
        labels = _utils.flat_labels(inputs)
        _utils.check_labels(labels, self.num_classes, type(self).__name__)
        return ops.take(self.embeddings, labels, axis=0)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "output_dim": self.output_dim,
            "embeddings_initializer": keras.initializers.serialize(
                self.embeddings_initializer
            ),
        }


@keras_gan_export
class ProjectionHead(keras.layers.Layer):
    """The output of a projection discriminator.

    `D(x, y) = psi(h) + <embed(y), h>`, where `h` is the discriminator's
    pooled feature vector, `psi` a linear map to one logit and `embed` a
    learned class embedding of the size of `h` (stored as the kernel of a
    bias-free `Dense` applied to one-hot labels). Projecting the label onto
    the features, instead of concatenating it to the input, is what made
    class-conditional GANs work at ImageNet scale (SNGAN, BigGAN).

    Args:
        num_classes: int, the number of classes.
        use_bias: bool, whether `psi` has a bias. Defaults to `True`.
        spectral_norm: bool, whether to wrap `psi` and the embedding in
            `keras.layers.SpectralNormalization`, as the paper does.
            Defaults to `False`.
        **kwargs: `keras.layers.Layer` arguments.

    Call arguments:
        inputs: `[h, labels]`: features `(batch, features)` and integer
            labels `(batch,)` or `(batch, 1)`.
        training: bool, passed to the spectral normalization.

    Returns:
        Logits `(batch, 1)`, in the compute dtype.

    Examples:

    >>> head = ProjectionHead(num_classes=10)
    >>> h = keras.random.normal((4, 32), seed=0)
    >>> tuple(head([h, ops.array([0, 1, 2, 3])]).shape)
    (4, 1)

    Reference: Miyato & Koyama, "cGANs with Projection Discriminator",
    2018.
    """

    def __init__(self, num_classes, use_bias=True, spectral_norm=False,
                 **kwargs):
        super().__init__(**kwargs)
        self.num_classes = validation.positive_int("num_classes", num_classes)
        self.use_bias = bool(use_bias)
        self.spectral_norm = bool(spectral_norm)

    def build(self, input_shape):
        h_shape, labels_shape = input_shape
        if len(h_shape) != 2:
            raise ValueError(
                "`ProjectionHead` expects features (batch, features); pool "
                "feature maps first (e.g. a sum over positions). Received: "
                f"shape {tuple(h_shape)}"
            )
        features = h_shape[-1]
        self.linear = keras.layers.Dense(
            1, use_bias=self.use_bias, dtype=self.dtype_policy, name="linear"
        )
        # The embedding is a bias-free Dense on one-hot labels: the same
        # (num_classes, features) table, and one SpectralNormalization can
        # wrap it (its wrapper casts an Embedding's output to the int
        # dtype of the labels).
        self.embedding = keras.layers.Dense(
            features, use_bias=False, dtype=self.dtype_policy,
            name="embedding",
        )
        if self.spectral_norm:
            self.linear = keras.layers.SpectralNormalization(
                self.linear, dtype=self.dtype_policy, name="linear_sn"
            )
            self.embedding = keras.layers.SpectralNormalization(
                self.embedding, dtype=self.dtype_policy, name="embedding_sn"
            )
        self.linear.build(h_shape)
        self.embedding.build((None, self.num_classes))

    def call(self, inputs, training=None):
        h, labels = inputs
        labels = _utils.flat_labels(labels)
        _utils.check_labels(labels, self.num_classes, type(self).__name__)
        one_hot = ops.one_hot(labels, self.num_classes, dtype=h.dtype)
        embedded = self.embedding(one_hot, training=training)
        projection = ops.sum(
            ops.cast(embedded, h.dtype) * h, axis=-1, keepdims=True
        )
        return self.linear(h, training=training) + projection

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], 1)

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "use_bias": self.use_bias,
            "spectral_norm": self.spectral_norm,
        }
