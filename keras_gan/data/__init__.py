"""Data preparation: from a folder of images to batches in [-1, 1].

Scan a folder with `scan_images` before training, build the pipeline with
`image_dataset`, hold out data with `split`, augment with `augmentation` and
normalize with `to_unit_range` / `standardize`.

The modules: `dataset` (`image_dataset`, `load_digits`), `scan`
(`scan_images`, `ScanReport`), `splitting` (`split`; not named `split.py`,
which the function would hide), `transforms` (the value ranges,
standardization, augmentation); `_io` (finding and decoding files) and
`_pipeline` (the tf.data and `PyDataset` pipelines) are private. Import the
names from `keras_gan.data`.
"""

from keras_gan.data.dataset import image_dataset
from keras_gan.data.dataset import load_digits
from keras_gan.data.scan import ScanReport
from keras_gan.data.scan import scan_images
from keras_gan.data.splitting import split
from keras_gan.data.transforms import augmentation
from keras_gan.data.transforms import compute_stats
from keras_gan.data.transforms import destandardize
from keras_gan.data.transforms import from_unit_range
from keras_gan.data.transforms import standardize
from keras_gan.data.transforms import to_unit_range

__all__ = [
    "ScanReport",
    "augmentation",
    "compute_stats",
    "destandardize",
    "from_unit_range",
    "image_dataset",
    "load_digits",
    "scan_images",
    "split",
    "standardize",
    "to_unit_range",
]
