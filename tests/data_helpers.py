"""Builders of small image folders for the data tests (Pillow, tmp_path).

No tests here (so not named test_*): helpers shared by test_data.py and
test_data_scan.py.
"""

import hashlib
import os
import struct
import zlib

import numpy as np
from PIL import Image


def smooth(seed, size, mode="RGB"):
    """A smooth random image (bicubic upscale of 4x4 noise), `size=(w, h)`:
    its perceptual hash is stable under resizing and recompression."""
    rng = np.random.default_rng(seed)
    channels = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4}[mode]
    noise = rng.integers(0, 256, (4, 4, channels), dtype=np.uint8)
    small = Image.fromarray(noise.squeeze(-1) if channels == 1 else noise)
    return small.resize(size, Image.Resampling.BICUBIC)


def bomb_png(path, width=100_000, height=100_000):
    """A tiny PNG whose header declares `width x height` pixels."""

    def chunk(kind, data):
        body = kind + data
        crc = struct.pack(">I", zlib.crc32(body))
        return struct.pack(">I", len(data)) + body + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", header) + chunk(b"IDAT", idat))
        f.write(chunk(b"IEND", b""))


def truncated_png(path, seed=0):
    # Noise compresses badly, so the cut falls inside the pixel data.
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, (24, 24, 3), dtype=np.uint8)
    Image.fromarray(noise).save(path)
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[: len(data) // 2])


def checksums(directory):
    """{relative path: (sha256, size, mtime_ns)} of every file."""
    result = {}
    for root, _, files in os.walk(directory):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            stat = os.stat(path)
            result[os.path.relpath(path, directory)] = (
                digest,
                stat.st_size,
                stat.st_mtime_ns,
            )
    return result


def class_folder(directory, counts, size=(12, 10), start_seed=0):
    """`counts={"cats": 3, ...}`: one subfolder per class of smooth PNGs."""
    seed = start_seed
    for name, count in counts.items():
        os.makedirs(os.path.join(directory, name), exist_ok=True)
        for i in range(count):
            smooth(seed, size).save(os.path.join(directory, name, f"{i}.png"))
            seed += 1
    return str(directory)


def batches(ds):
    """All batches of one pass over a tf.data.Dataset or a PyDataset, as
    numpy (images, or (images, labels))."""
    from keras.utils import PyDataset

    if isinstance(ds, PyDataset):
        items = [ds[i] for i in range(len(ds))]
        ds.on_epoch_end()
    else:
        items = list(ds)
    if isinstance(items[0], tuple):
        return [tuple(np.asarray(t) for t in item) for item in items]
    return [np.asarray(item) for item in items]
