"""Callbacks: sample grids during training, and evaluation."""

import math
import os

import keras
import numpy as np

from keras_gan._export import keras_gan_export


@keras_gan_export
def image_grid(images, rows=None, padding=1):
    """Tiles images in [-1, 1] into one uint8 grid image.

    Args:
        images: array `(n, height, width, channels)` in [-1, 1], channels 1
            or 3 (values outside are clipped).
        rows: int or None, the number of rows; by default the grid is as
            square as possible.
        padding: int, white pixels between tiles. Defaults to 1.

    Returns:
        A uint8 numpy array `(rows * (height + padding) - padding,
        cols * (width + padding) - padding, channels)`.

    Example:

    >>> image_grid(np.zeros((6, 4, 4, 1)), rows=2).shape
    (9, 14, 1)
    """
    images = np.asarray(images, dtype="float32")
    if images.ndim != 4:
        raise ValueError(
            "`images` should have shape (n, height, width, channels). "
            f"Received shape {images.shape}."
        )
    n, h, w, c = images.shape
    rows = rows or int(math.floor(math.sqrt(n)))
    cols = int(math.ceil(n / rows))
    pixels = np.clip((images + 1.0) * 127.5, 0, 255).round().astype("uint8")
    p = int(padding)
    grid = np.full(
        (rows * (h + p) - p, cols * (w + p) - p, c), 255, dtype="uint8"
    )
    for i in range(n):
        top, left = (k * (s + p) for k, s in zip(divmod(i, cols), (h, w)))
        grid[top : top + h, left : left + w] = pixels[i]
    return grid


@keras_gan_export
class SampleGrid(keras.callbacks.Callback):
    """Saves a grid of generated images at the end of chosen epochs.

    The latent vectors are fixed (drawn from `seed`), so successive grids
    show the same samples improving. The EMA generator is used when the GAN
    has one. For a conditional GAN the grid has one row per class. Pixels
    are mapped from [-1, 1] to 0..255.

    Args:
        directory: where to write `epoch_0001.png`, `epoch_0002.png`, ...
            (created if missing).
        num_samples: int, images per grid (for a conditional GAN: rounded
            to whole rows, one row per class). Defaults
            to 64.
        every_n_epochs: int, save every n-th epoch. Defaults to 1.
        seed: int, seed of the fixed latent vectors. Defaults to 0.
        tensorboard_dir: str or None; when given, the grid is also written
            there as a TensorBoard image summary named "samples".

    Returns:
        A `keras.callbacks.Callback`; `paths` lists the files written.

    Example:

    >>> import keras_gan
    >>> cb = SampleGrid("samples/", num_samples=16)
    >>> cb.every_n_epochs
    1
    """

    def __init__(
        self,
        directory,
        num_samples=64,
        every_n_epochs=1,
        seed=0,
        tensorboard_dir=None,
    ):
        super().__init__()
        if int(num_samples) != num_samples or num_samples <= 0:
            raise ValueError(
                "`num_samples` should be a positive integer. Received: "
                f"`num_samples={num_samples}`"
            )
        if int(every_n_epochs) != every_n_epochs or every_n_epochs <= 0:
            raise ValueError(
                "`every_n_epochs` should be a positive integer. Received: "
                f"`every_n_epochs={every_n_epochs}`"
            )
        self.directory = str(directory)
        self.num_samples = int(num_samples)
        self.every_n_epochs = int(every_n_epochs)
        self.seed = seed
        self.tensorboard_dir = tensorboard_dir
        self.paths = []

    def make_grid(self):
        """Generates the grid for the current model.

        Returns:
            A uint8 array `(height, width, channels)`.
        """
        gan = self.model
        num_classes = getattr(gan, "num_classes", None)
        if num_classes:
            per_row = max(1, self.num_samples // num_classes)
            labels = np.repeat(np.arange(num_classes), per_row)
            images = gan.generate(len(labels), labels=labels, seed=self.seed)
            return image_grid(images, rows=num_classes)
        return image_grid(gan.generate(self.num_samples, seed=self.seed))

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        from PIL import Image

        grid = self.make_grid()
        os.makedirs(self.directory, exist_ok=True)
        path = os.path.join(self.directory, f"epoch_{epoch + 1:04d}.png")
        Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid).save(
            path
        )
        self.paths.append(path)
        if self.tensorboard_dir:
            from keras_gan import _tensorboard

            _tensorboard.write_image(
                self.tensorboard_dir, "samples", grid, epoch + 1
            )

    def get_config(self):
        return {
            "directory": self.directory,
            "num_samples": self.num_samples,
            "every_n_epochs": self.every_n_epochs,
            "seed": self.seed,
            "tensorboard_dir": self.tensorboard_dir,
        }
