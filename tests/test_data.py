"""Tests of keras_gan.data: the pipeline, its errors, and normalization."""

import os

import keras
import numpy as np
import pytest
from helpers import batches
from helpers import bomb_png
from helpers import class_folder
from helpers import smooth
from helpers import truncated_png
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

import keras_gan
from keras_gan import data
from keras_gan.data import _pipeline


def _has_tensorflow():
    return _pipeline.import_tensorflow() is not None


@pytest.fixture(params=["tf.data", "PyDataset"])
def pipeline(request, monkeypatch):
    """Runs a test on both pipelines; "PyDataset" hides TensorFlow from
    `image_dataset` (the subprocess test below hides it for real)."""
    if request.param == "tf.data":
        if not _has_tensorflow():
            pytest.skip("TensorFlow is not installed: no tf.data pipeline")
    else:
        monkeypatch.setattr(_pipeline, "import_tensorflow", lambda: None)
    return request.param


def _check_type(ds, pipeline):
    if pipeline == "PyDataset":
        assert isinstance(ds, keras.utils.PyDataset)
    else:
        import tensorflow as tf

        assert isinstance(ds, tf.data.Dataset)


def _mixed_folder(directory):
    """Good images of mixed sizes, modes and formats."""
    smooth(0, (20, 12)).save(directory / "a.png")
    smooth(1, (9, 30), "L").save(directory / "b.png")
    smooth(2, (16, 16), "RGBA").save(directory / "c.png")
    smooth(3, (30, 20)).quantize(16).save(directory / "d.gif")
    os.makedirs(directory / "sub" / "deeper")
    smooth(4, (24, 24)).save(directory / "sub" / "e.jpg", quality=90)
    smooth(5, (17, 11)).save(directory / "sub" / "deeper" / "f.bmp")
    smooth(6, (11, 17)).save(directory / "sub" / "g.webp")
    return str(directory)


# image_dataset: shapes, values, labels


@pytest.mark.parametrize("channels", [1, 3])
def test_image_dataset_shapes_and_range(tmp_path, pipeline, channels):
    folder = _mixed_folder(tmp_path)
    ds = data.image_dataset(folder, image_size=(8, 6), batch_size=3,
                            channels=channels, seed=1)
    _check_type(ds, pipeline)
    out = batches(ds)
    assert [b.shape for b in out] == [(3, 8, 6, channels)] * 2 + [
        (1, 8, 6, channels)
    ]
    for b in out:
        assert b.dtype == np.float32
        assert b.min() >= -1.0 and b.max() <= 1.0
    assert len(ds.file_paths) == 7
    assert sorted(os.path.basename(p) for p in ds.file_paths) == sorted(
        ["a.png", "b.png", "c.png", "d.gif", "e.jpg", "f.bmp", "g.webp"]
    )


def test_image_dataset_labels_follow_folders(tmp_path, pipeline):
    folder = class_folder(tmp_path, {"zebra": 2, "ant": 3, "moth": 1})
    ds = data.image_dataset(folder, image_size=4, batch_size=4,
                            labels="inferred", seed=3)
    assert ds.class_names == ["ant", "moth", "zebra"]
    images, labels = (np.concatenate(t) for t in zip(*batches(ds)))
    assert images.shape == (6, 4, 4, 3) and labels.dtype == np.int32
    assert np.bincount(labels).tolist() == [3, 1, 2]
    # Every image carries the label of its folder: decode each folder alone.
    by_class = [
        {bytes(x) for x in np.concatenate(batches(data.image_dataset(
            os.path.join(folder, name), image_size=4)))}
        for name in ds.class_names
    ]
    for image, label in zip(images, labels):
        assert bytes(image) in by_class[label]


def test_image_dataset_channels_first(tmp_path, pipeline):
    folder = class_folder(tmp_path, {"a": 3})
    last = np.concatenate(batches(data.image_dataset(
        folder, image_size=(5, 4), shuffle=False)))
    first = np.concatenate(batches(data.image_dataset(
        folder, image_size=(5, 4), shuffle=False,
        data_format="channels_first")))
    np.testing.assert_array_equal(first, np.moveaxis(last, -1, 1))


def test_shuffle_is_seeded_and_reshuffles_each_epoch(tmp_path, pipeline):
    folder = class_folder(tmp_path, {"a": 6, "b": 6})
    ds = data.image_dataset(folder, image_size=4, batch_size=12, seed=7)
    first, second = batches(ds)[0], batches(ds)[0]
    again = batches(data.image_dataset(folder, image_size=4, batch_size=12,
                                       seed=7))[0]
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, second)
    ordered = batches(data.image_dataset(folder, image_size=4, batch_size=12,
                                         shuffle=False))[0]
    key = lambda x: sorted(map(bytes, x.reshape(len(x), -1)))  # noqa: E731
    assert key(first) == key(second) == key(ordered)


@pytest.mark.parametrize("cache", [True, False])
def test_cache_does_not_change_the_data(tmp_path, pipeline, cache):
    folder = class_folder(tmp_path, {"a": 5})
    ds = data.image_dataset(folder, image_size=6, batch_size=2, seed=0,
                            cache=cache)
    reference = data.image_dataset(folder, image_size=6, batch_size=2, seed=0,
                                   cache="auto")
    for a, b in zip(batches(ds) + batches(ds),
                    batches(reference) + batches(reference)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cache", [True, False])
def test_parallel_decoding_matches_serial(tmp_path, pipeline, monkeypatch,
                                          cache):
    # The serial decoding is the reference: the threads must put every
    # image (and its label) at its own position, epoch after epoch.
    folder = class_folder(tmp_path, {"a": 7, "b": 6}, size=(13, 9))
    runs = {}
    for threads in (1, 4):
        monkeypatch.setattr(_pipeline, "decode_threads", lambda: threads)
        ds = data.image_dataset(folder, image_size=6, batch_size=5, seed=3,
                                labels="inferred", cache=cache)
        runs[threads] = batches(ds) + batches(ds)
    assert len(runs[1]) == 6
    for (x1, y1), (x4, y4) in zip(runs[1], runs[4]):
        np.testing.assert_array_equal(x1, x4)
        np.testing.assert_array_equal(y1, y4)


# Geometry of crop / pad / stretch on a known 40x20 image.


def _known_image():
    """A 40 (wide) x 20 (high) grayscale image of random 4x4 blocks whose
    centre 4x4 block is white."""
    rng = np.random.default_rng(0)
    blocks = rng.integers(0, 200, (5, 10), dtype=np.uint8)
    pixels = np.kron(blocks, np.ones((4, 4), dtype=np.uint8))
    pixels[8:12, 18:22] = 255
    return pixels


def _block_mean(pixels, fy, fx):
    h, w = pixels.shape
    return pixels.reshape(h // fy, fy, w // fx, fx).astype(float).mean((1, 3))


def _unit(pixels):
    return pixels / 127.5 - 1.0


@pytest.mark.parametrize("resize", ["crop", "pad", "stretch"])
def test_resize_geometry(tmp_path, pipeline, resize):
    pixels = _known_image()
    Image.fromarray(pixels).save(tmp_path / "known.png")
    ds = data.image_dataset(str(tmp_path), image_size=10, channels=1,
                            resize=resize, interpolation="area")
    out = batches(ds)[0][0, :, :, 0]
    if resize == "crop":  # the centre 20x20, halved
        expected = _unit(_block_mean(pixels[:, 10:30], 2, 2))
    elif resize == "stretch":  # 40x20 -> 10x10
        expected = _unit(_block_mean(pixels, 2, 4))
    else:  # 40x20 -> 10x5, centred on rows 2..6, black elsewhere
        expected = np.full((10, 10), -1.0)
        expected[2:7] = _unit(_block_mean(pixels, 4, 4))
    # Pillow rounds to uint8: at most one level (1 / 127.5) apart.
    np.testing.assert_allclose(out, expected, rtol=0, atol=1.01 / 127.5)


@pytest.mark.parametrize("resize", ["crop", "pad", "stretch"])
def test_resize_keeps_the_centre_bilinear(tmp_path, pipeline, resize):
    pixels = np.zeros((20, 40), dtype=np.uint8)
    pixels[8:12, 18:22] = 255
    Image.fromarray(pixels).convert("RGB").save(tmp_path / "dot.png")
    out = batches(data.image_dataset(str(tmp_path), image_size=10,
                                     resize=resize))[0][0, :, :, 0]
    assert out.shape == (10, 10)
    rows, cols = np.nonzero(out == out.max())
    assert set(rows) <= {4, 5} and set(cols) <= {4, 5}
    if resize == "pad":
        assert np.all(out[:2] == -1.0) and np.all(out[8:] == -1.0)


def test_mode_conversions(tmp_path, pipeline):
    rgba = np.zeros((4, 4, 4), dtype=np.uint8)
    rgba[..., :3] = 200  # hidden colour under transparent pixels
    rgba[:2, :, 3] = 255  # top half opaque, bottom half transparent
    Image.fromarray(rgba).save(tmp_path / "a_rgba.png")
    sixteen = np.full((4, 4), 65535, dtype=np.uint16)
    Image.fromarray(sixteen).save(tmp_path / "b_16bit.png")
    ds = data.image_dataset(str(tmp_path), image_size=4, shuffle=False)
    rgba_out, sixteen_out = batches(ds)[0]
    np.testing.assert_allclose(rgba_out[:2], 200 / 127.5 - 1, atol=1e-6)
    np.testing.assert_array_equal(rgba_out[2:], -1.0)  # composited on black
    np.testing.assert_array_equal(sixteen_out, 1.0)


# Errors on bad input


def _good_folder(tmp_path):
    smooth(0, (8, 8)).save(tmp_path / "a.png")
    return str(tmp_path)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"channels": 2},
         "`channels` should be 1 or 3. Received: `channels=2`"),
        ({"image_size": 0}, "`image_size` should be a positive integer"),
        ({"image_size": (8, -1)}, "Received: `image_size=(8, -1)`"),
        ({"image_size": "big"}, "Received: `image_size='big'`"),
        ({"resize": "fit"}, "`resize` should be one of 'crop', 'pad', "
                            "'stretch'. Received: `resize='fit'`"),
        ({"batch_size": 0}, "`batch_size` should be a positive integer"),
        ({"on_error": "ignore"}, "Received: `on_error='ignore'`"),
        ({"labels": "folders"}, "Received: `labels='folders'`"),
        ({"validation_split": 0.2}, "`validation_split` and `subset` go"),
        ({"validation_split": 1.5, "subset": "training"},
         "`validation_split` should be a float strictly between 0 and 1"),
        ({"augment": "flip"}, "`augment` should be None or a callable"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, message):
    kwargs = {"image_size": 8, **kwargs}
    with pytest.raises(ValueError, match=None) as info:
        data.image_dataset(_good_folder(tmp_path), **kwargs)
    assert message in str(info.value)


def test_missing_empty_and_imageless_folders(tmp_path):
    with pytest.raises(ValueError, match="does not exist") as info:
        data.image_dataset(tmp_path / "nope", image_size=8)
    assert str(tmp_path / "nope") in str(info.value)
    with pytest.raises(ValueError, match="No images found") as info:
        data.image_dataset(tmp_path, image_size=8)
    assert str(tmp_path) in str(info.value) and ".png" in str(info.value)
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ValueError, match="No images found"):
        data.image_dataset(tmp_path, image_size=8)
    smooth(0, (8, 8)).save(tmp_path / "loose.png")
    with pytest.raises(ValueError, match="one subfolder per class"):
        data.image_dataset(tmp_path, image_size=8, labels="inferred")


def _folder_with_bad_files(tmp_path):
    for i in range(4):
        smooth(i, (10, 8)).save(tmp_path / f"good{i}.png")
    (tmp_path / "empty.png").write_bytes(b"")
    truncated_png(tmp_path / "cut.png")
    (tmp_path / "text.jpg").write_text("this is not a JPEG")
    return str(tmp_path)


def test_on_error_raise_names_files_and_reasons(tmp_path, pipeline):
    folder = _folder_with_bad_files(tmp_path)
    with pytest.raises(ValueError, match="3 of 7 image files") as info:
        data.image_dataset(folder, image_size=8)
    message = str(info.value)
    assert f"{folder}/empty.png: empty file (0 bytes)" in message
    assert f"{folder}/cut.png: truncated or corrupt" in message
    assert f"{folder}/text.jpg: not an image" in message
    assert 'on_error="skip"' in message


def test_on_error_skip_warns_and_trains_without(tmp_path, pipeline):
    folder = _folder_with_bad_files(tmp_path)
    with pytest.warns(UserWarning, match="Skipped 3 unreadable image") as rec:
        ds = data.image_dataset(folder, image_size=8, batch_size=8,
                                on_error="skip")
    assert len(rec) == 1
    images = batches(ds)[0]
    assert images.shape == (4, 8, 8, 3)
    goods = [os.path.join(folder, f"good{i}.png") for i in range(4)]
    assert sorted(ds.file_paths) == goods
    report = data.scan_images(folder)
    assert sorted(report.bad_files + goods) == sorted(
        os.path.join(folder, f) for f in os.listdir(folder)
    )


def _folder_with_dangling_link(tmp_path):
    """Two good images, a symlink to a third that was deleted, and a symlink
    to a good image (followed, not an error)."""
    for i in range(2):
        smooth(i, (10, 8)).save(tmp_path / f"good{i}.png")
    smooth(2, (10, 8)).save(tmp_path / "moved.png")
    os.symlink(tmp_path / "moved.png", tmp_path / "link.png")
    os.remove(tmp_path / "moved.png")
    os.symlink(tmp_path / "good0.png", tmp_path / "alias.png")
    return str(tmp_path)


def test_dangling_symlink_is_reported_and_skipped(tmp_path, pipeline):
    folder = _folder_with_dangling_link(tmp_path)
    link = os.path.join(folder, "link.png")
    reason = (
        "dangling symbolic link: its target "
        f"{os.path.join(folder, 'moved.png')!r} does not exist"
    )
    with pytest.raises(ValueError, match="1 of 4 image files") as info:
        data.image_dataset(folder, image_size=8)
    assert f"{link}: {reason}" in str(info.value)
    with pytest.warns(UserWarning, match="Skipped 1 unreadable") as rec:
        ds = data.image_dataset(folder, image_size=8, batch_size=8,
                                on_error="skip", shuffle=False)
    assert len(rec) == 1 and f"link.png ({reason})" in str(rec[0].message)
    assert ds.file_paths == [
        os.path.join(folder, n) for n in ["alias.png", "good0.png",
                                          "good1.png"]
    ]
    images = batches(ds)[0]
    assert images.shape == (3, 8, 8, 3)
    np.testing.assert_array_equal(images[0], images[1])  # alias = good0


def test_all_files_bad(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.warns(UserWarning, match="Skipped 1"):
        with pytest.raises(ValueError, match="None of the 1 image files"):
            data.image_dataset(tmp_path, image_size=8, on_error="skip")


def test_decompression_bomb_is_refused_from_its_header(tmp_path):
    _good_folder(tmp_path)
    bomb_png(tmp_path / "bomb.png", 10_000, 10_000)  # 100 Mpx: 0.4 GB
    with pytest.raises(ValueError, match="decompression bomb") as info:
        data.image_dataset(tmp_path, image_size=8)
    assert "bomb.png" in str(info.value)
    assert "refused without decoding" in str(info.value)
    bomb_png(tmp_path / "bomb.png", 100_000, 100_000)  # Pillow's own error
    with pytest.warns(UserWarning, match="Skipped 1"):
        ds = data.image_dataset(tmp_path, image_size=8, on_error="skip")
    assert [os.path.basename(p) for p in ds.file_paths] == ["a.png"]


# split


@given(
    counts=st.lists(st.integers(1, 30), min_size=1, max_size=5),
    fraction=st.floats(0.1, 0.9),
    seed=st.integers(0, 2**16),
)
def test_split_is_deterministic_disjoint_and_stratified(counts, fraction, seed):
    labels = np.repeat(np.arange(len(counts)), counts)
    x = np.arange(len(labels)) * 10
    n_test = round(fraction * len(x))
    if n_test in (0, len(x)):
        with pytest.raises(ValueError, match="set empty"):
            data.split((x, labels), fraction, seed)
        return
    (x_tr, y_tr), (x_te, y_te) = data.split((x, labels), fraction, seed)
    (x_tr2, _), (x_te2, _) = data.split((x, labels), fraction, seed)
    np.testing.assert_array_equal(x_te, x_te2)
    np.testing.assert_array_equal(x_tr, x_tr2)
    assert not set(x_tr) & set(x_te)
    assert sorted([*x_tr, *x_te]) == sorted(x)
    assert len(x_te) == n_test
    np.testing.assert_array_equal(y_te, labels[x_te // 10])
    for c, count in enumerate(counts):
        assert abs(np.sum(y_te == c) - fraction * count) < 1


def test_split_plain_arrays_and_errors():
    x = np.arange(10)
    train, test = data.split(x, 0.3, seed=1)
    assert len(test) == 3 and sorted([*train, *test]) == list(range(10))
    assert not np.array_equal(data.split(x, 0.3, seed=2)[1], test)
    with pytest.raises(ValueError, match="`test_fraction` should be a float"):
        data.split(x, 1.0)
    with pytest.raises(ValueError, match="same length"):
        data.split((x, x[:3]))


def test_split_directory_matches_validation_subset(tmp_path, pipeline):
    folder = class_folder(tmp_path, {"a": 7, "b": 3})
    train, test = data.split(folder, test_fraction=0.3, seed=5)
    assert len(test) == 3 and not set(train) & set(test)
    assert sum(os.sep + "b" + os.sep in p for p in test) == 1
    assert data.split(folder, test_fraction=0.3, seed=5) == (train, test)
    tr_ds, te_ds = data.image_dataset(folder, image_size=4, seed=5,
                                      validation_split=0.3, subset="both")
    assert sorted(tr_ds.file_paths) == sorted(train)
    assert sorted(te_ds.file_paths) == sorted(test)


# Normalization


_DTYPE_RANGES = {
    "uint8": (0, 255),
    "uint16": (0, 65535),
    "int16": (-32768, 32767),
    "float16": (0.0, 1.0),
    "float32": (-3.0, 7.0),
    "float64": (0.0, 255.0),
}


@given(
    dtype=st.sampled_from(sorted(_DTYPE_RANGES)),
    shape=hnp.array_shapes(min_dims=1, max_dims=4, max_side=5),
    data_=st.data(),
)
def test_unit_range_round_trip(dtype, shape, data_):
    low, high = _DTYPE_RANGES[dtype]
    if np.dtype(dtype).kind in "iu":
        elements = st.integers(low, high)
    else:
        elements = st.floats(low, high, width=np.dtype(dtype).itemsize * 8)
    images = data_.draw(hnp.arrays(dtype, shape, elements=elements))
    unit = data.to_unit_range(images, from_range=(low, high))
    assert unit.dtype == np.float32
    assert unit.min() >= -1 and unit.max() <= 1
    back = data.from_unit_range(unit, to_range=(low, high))
    if np.dtype(dtype).kind in "iu":
        # Integers come back exactly after rounding.
        np.testing.assert_array_equal(np.round(back).astype(dtype), images)
    else:
        # float32 carries ~7 digits: within a few ulps of the range.
        ulp = np.spacing(np.float32(max(abs(low), abs(high))))
        np.testing.assert_allclose(back, images, rtol=0, atol=4 * ulp)


@given(
    images=hnp.arrays(
        np.uint8, hnp.array_shapes(min_dims=2, max_dims=4, max_side=5)
    ),
    mean=st.floats(-10, 300),
    std=st.floats(0.01, 100),
)
def test_standardize_round_trip(images, mean, std):
    out = data.standardize(images, mean, std)
    assert out.dtype == np.float32
    np.testing.assert_allclose(
        out, (images.astype(np.float64) - mean) / std, rtol=1e-6, atol=1e-6
    )
    back = data.destandardize(out, mean, std)
    np.testing.assert_array_equal(np.round(back).astype(np.uint8), images)


def test_standardize_rejects_zero_std():
    with pytest.raises(ValueError, match="`std` should be positive"):
        data.standardize(np.ones((2, 2, 3)), 0.0, [1.0, 0.0, 1.0])


def test_compute_stats_arrays_and_datasets(tmp_path, pipeline):
    rng = np.random.default_rng(0)
    images = rng.normal(3.0, 2.0, (10, 4, 4, 3))
    mean, std = data.compute_stats(images)
    np.testing.assert_allclose(mean, images.mean((0, 1, 2)), rtol=1e-6)
    np.testing.assert_allclose(std, images.std((0, 1, 2)), rtol=1e-6)
    # Streaming over uneven batches gives the same numbers.
    mean2, std2 = data.compute_stats(
        [images[:3], images[3:4], (images[4:], None)]
    )
    np.testing.assert_allclose(mean2, mean, rtol=1e-6)
    np.testing.assert_allclose(std2, std, rtol=1e-6)
    folder = class_folder(tmp_path, {"a": 3, "b": 2})
    ds = data.image_dataset(folder, image_size=4, batch_size=2,
                            labels="inferred", seed=0)
    all_images = np.concatenate([b[0] for b in batches(ds)])
    mean3, std3 = data.compute_stats(ds)
    np.testing.assert_allclose(mean3, all_images.mean((0, 1, 2)), atol=1e-6)
    np.testing.assert_allclose(std3, all_images.std((0, 1, 2)), atol=1e-6)
    z = data.standardize(all_images, mean3, std3)
    np.testing.assert_allclose(z.mean((0, 1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(z.std((0, 1, 2)), 1, atol=1e-5)


def test_load_digits_through_standardize():
    x, y = data.load_digits()
    mean, std = data.compute_stats(x)
    assert mean.shape == std.shape == (1,)
    back = data.destandardize(data.standardize(x, mean, std), mean, std)
    np.testing.assert_allclose(back, x, atol=1e-6)


# augmentation


def test_augmentation_layers_and_config():
    augment = data.augmentation(flip=True, rotation=0.1, translation=0.1,
                                zoom=0.2, brightness=0.2, contrast=0.3, seed=0)
    names = [type(layer).__name__ for layer in augment.layers]
    assert names == ["RandomFlip", "RandomRotation", "RandomTranslation",
                     "RandomZoom", "RandomBrightness", "RandomContrast"]
    assert augment.layers[0].mode == "horizontal"
    restored = keras.Sequential.from_config(augment.get_config())
    assert [type(la).__name__ for la in restored.layers] == names
    images = np.random.default_rng(0).uniform(-1, 1, (2, 8, 8, 3))
    out = keras.ops.convert_to_numpy(augment(images))
    assert out.shape == (2, 8, 8, 3)
    assert out.min() >= -1 - 1e-6 and out.max() <= 1 + 1e-6
    identity = data.augmentation(flip=False)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(identity(images)), images, atol=1e-6
    )
    with pytest.raises(ValueError, match="Received: `brightness=2`"):
        data.augmentation(brightness=2)
    with pytest.raises(ValueError, match="Received: `flip='sideways'`"):
        data.augmentation(flip="sideways")


def test_augment_in_the_pipeline_flips(tmp_path, pipeline):
    folder = class_folder(tmp_path, {"a": 8})
    plain = np.concatenate(batches(data.image_dataset(
        folder, image_size=(4, 6), batch_size=8, seed=0)))
    flipped = np.concatenate(batches(data.image_dataset(
        folder, image_size=(4, 6), batch_size=8, seed=0,
        augment=data.augmentation(flip=True, seed=1))))
    same = [np.allclose(a, b, atol=1e-6) for a, b in zip(plain, flipped)]
    mirrored = [np.allclose(a[:, ::-1], b, atol=1e-6)
                for a, b in zip(plain, flipped)]
    assert all(s or m for s, m in zip(same, mirrored))
    assert any(mirrored)


# The GAN consumes it


def test_gan_trains_one_epoch_from_a_folder(tmp_path, pipeline):
    folder = class_folder(tmp_path, {"a": 6}, size=(10, 12))
    g, d = keras_gan.models.dcgan(image_shape=(8, 8, 3), latent_dim=16)
    gan = keras_gan.GAN(g, d)
    gan.compile()
    ds = data.image_dataset(folder, image_size=8, batch_size=4)
    history = gan.fit(ds, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][-1])
    assert np.isfinite(history.history["g_loss"][-1])


def test_load_digits_needs_no_extra():
    # `load_digits` imports scikit-learn: a plain `pip install keras-gan`
    # (no extra) must install it (issue 12).
    tomllib = pytest.importorskip("tomllib")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)["project"]
    names = [
        d.split(">")[0].split("=")[0].split("[")[0].strip().lower()
        for d in project["dependencies"]
    ]
    assert "scikit-learn" in names
