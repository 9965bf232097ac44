"""fid_inception against pytorch-fid's own network, with random weights."""

import sys
import types

import keras
import numpy as np
import pytest

from keras_gan import metrics
from keras_gan.metrics import base
from keras_gan.metrics import fid_network

torch = pytest.importorskip(
    "torch", reason="pytorch-fid's network (the reference) needs torch"
)


def pytorch_fid_inception():
    """pytorch-fid's FID InceptionV3 module, built without its download.

    The registry's torchvision is a CUDA build whose C ops do not load beside
    the CPU torch; an empty `_meta_registrations` lets its Python model
    classes import.
    """
    sys.modules.setdefault(
        "torchvision._meta_registrations",
        types.ModuleType("torchvision._meta_registrations"),
    )
    inception = pytest.importorskip("pytorch_fid.inception")
    built = {}

    def random_fid_inception_v3():  # fid_inception_v3 without the download
        net = inception._inception_v3(
            num_classes=1008, aux_logits=False, weights=None
        )
        net.Mixed_5b = inception.FIDInceptionA(192, pool_features=32)
        net.Mixed_5c = inception.FIDInceptionA(256, pool_features=64)
        net.Mixed_5d = inception.FIDInceptionA(288, pool_features=64)
        net.Mixed_6b = inception.FIDInceptionC(768, channels_7x7=128)
        net.Mixed_6c = inception.FIDInceptionC(768, channels_7x7=160)
        net.Mixed_6d = inception.FIDInceptionC(768, channels_7x7=160)
        net.Mixed_6e = inception.FIDInceptionC(768, channels_7x7=192)
        net.Mixed_7b = inception.FIDInceptionE_1(1280)
        net.Mixed_7c = inception.FIDInceptionE_2(2048)
        built["net"] = net
        return net

    original = inception.fid_inception_v3
    inception.fid_inception_v3 = random_fid_inception_v3
    try:
        model = inception.InceptionV3(resize_input=True)
    finally:
        inception.fid_inception_v3 = original
    # Random weights that keep activations of order 1 through 94 layers, and
    # batch-norm statistics that are not the identity (so that a mix-up of
    # mean, variance, scale and shift shows).
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, tensor in built["net"].state_dict().items():
            if name.endswith("conv.weight"):
                fan_in = tensor[0].numel()
                tensor.normal_(0.0, (2.0 / fan_in) ** 0.5, generator=gen)
            elif name.endswith(("bn.weight", "bn.running_var")):
                tensor.uniform_(0.5, 1.5, generator=gen)
            elif name.endswith(("bn.bias", "bn.running_mean", "fc.bias")):
                tensor.normal_(0.0, 0.1, generator=gen)
            elif name.endswith("fc.weight"):
                tensor.normal_(0.0, 0.02, generator=gen)
    return model.eval(), built["net"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    model, net = pytorch_fid_inception()
    path = str(tmp_path_factory.mktemp("fid") / "random_inception.pth")
    torch.save(net.state_dict(), path)
    return model, net, path


def torch_features(model, images, resize, net=None):
    """pytorch-fid's features (and logits): NCHW images in [0, 1]."""
    x = torch.from_numpy((images.transpose(0, 3, 1, 2) + 1.0) / 2.0)
    model.resize_input = resize
    with torch.no_grad():
        pooled = model(x.float())[0].flatten(1)
        logits = None if net is None else net.fc(pooled)
    model.resize_input = True
    return pooled.numpy(), None if logits is None else logits.numpy()


def assert_close(ours, theirs):
    ours = keras.ops.convert_to_numpy(ours)
    assert ours.shape == theirs.shape
    error = np.linalg.norm(ours - theirs) / np.linalg.norm(theirs)
    assert error < 1e-4, error
    np.testing.assert_allclose(ours, theirs, rtol=1e-4,
                               atol=1e-4 * np.abs(theirs).mean())


def test_features_and_logits_match_pytorch_fid(reference):
    """With and without the resize, in one compiled call of the network.

    A small image goes through the model's own resize layer (bilinear to
    299, as pytorch-fid's F.interpolate); a 299 x 299 image needs none.
    """
    model, net, path = reference
    rng = np.random.default_rng(0)
    small = rng.uniform(-1, 1, (1, 21, 17, 3)).astype("float32")
    large = rng.uniform(-1, 1, (1, 299, 299, 3)).astype("float32")
    resized, resized_logits = torch_features(model, small, True, net)
    native, native_logits = torch_features(model, large, False, net)

    ours = metrics.fid_inception(path, verify_checksum=False,
                                 output="logits")
    resize, network = ours.layers
    both = keras.Model(network.inputs,
                       [network.get_layer("pool").output, network.output])
    batch = np.concatenate(
        [keras.ops.convert_to_numpy(resize(small)), large]
    )
    features, logits = both.predict_on_batch(batch)
    assert_close(features[:1], resized)
    assert_close(features[1:], native)
    assert_close(logits, np.concatenate([resized_logits, native_logits]))


def test_converted_weights_are_the_same(reference, tmp_path):
    _, _, path = reference
    converted = metrics.convert_fid_weights(path, str(tmp_path / "fid"))
    assert converted.endswith("fid.npz")
    original = fid_network.load_fid_weights(path, verify_checksum=False)
    loaded = fid_network.load_fid_weights(converted, verify_checksum=False)
    assert sorted(loaded) == sorted(original)
    assert len(original) == 94 * 5 + 2  # 94 conv units (+ BN), the fc
    for name, array in original.items():
        np.testing.assert_array_equal(loaded[name], array)


def test_frechet_distance_given_weights_uses_fid_inception(monkeypatch):
    built = []

    def recorder(weights, verify_checksum):
        built.append((weights, verify_checksum))
        return keras.Sequential([keras.layers.Flatten()])

    monkeypatch.setattr(base, "fid_inception", recorder)
    for metric in (metrics.FrechetDistance(weights="w.npz"),
                   metrics.KernelDistance(weights="w.npz",
                                          verify_checksum=False)):
        metric.feature_extractor
        assert metric.get_config()["weights"] == "w.npz"
    assert built == [("w.npz", True), ("w.npz", False)]
    with pytest.raises(ValueError, match="not both"):
        metrics.FrechetDistance(keras.layers.Flatten(), weights="w.npz")


def test_checksum_names_the_wrong_file(reference, tmp_path):
    _, _, path = reference
    with pytest.raises(ValueError, match="random_inception.pth") as info:
        metrics.fid_inception(path)
    assert "6726825d" in str(info.value)
    assert "verify_checksum=False" in str(info.value)
    converted = metrics.convert_fid_weights(path, str(tmp_path / "x.npz"))
    with pytest.raises(ValueError, match="x.npz"):
        metrics.fid_inception(converted)
