"""Faults: non-finite steps, refused batches, atomic saves (issue 13)."""

import warnings

import keras
import numpy as np
import pytest
from helpers import flat
from helpers import images
from helpers import tiny_pair
from keras import layers

import keras_gan
from keras_gan.training.faults import DataError


def _gan(**compile_kwargs):
    keras.utils.set_random_seed(0)
    g, d = tiny_pair()
    gan = keras_gan.GAN(g, d, seed=0)
    gan.compile(**compile_kwargs)
    return gan


def _conditional(num_classes=3, **compile_kwargs):
    keras.utils.set_random_seed(0)
    z = keras.Input((4,))
    y = keras.Input((), dtype="int32")
    h = layers.Concatenate()([z, layers.Embedding(num_classes, 2)(y)])
    h = layers.BatchNormalization()(layers.Dense(8)(h))
    out = layers.Dense(16, activation="tanh")(h)
    g = keras.Model([z, y], layers.Reshape((4, 4, 1))(out))
    x = keras.Input((4, 4, 1))
    yd = keras.Input((), dtype="int32")
    h = layers.Concatenate()(
        [layers.Flatten()(x), layers.Embedding(num_classes, 2)(yd)]
    )
    d = keras.Model([x, yd], layers.Dense(1)(layers.Dense(8)(h)))
    gan = keras_gan.GAN(g, d, num_classes=num_classes, seed=0)
    gan.compile(**compile_kwargs)
    return gan


def _state(gan):
    """Every variable: weights, statistics, optimizers, seed state.

    (Not `data_fault`, where TensorFlow records the code of a refused
    batch.)
    """
    variables = [v for v in gan.variables if v is not gan.data_fault]
    return flat(variables + gan.optimizer.variables)


def _assert_same(before, after):
    assert len(before) == len(after)
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)


def _explode(gan):
    # Kernels this large overflow float32 in D's forward pass: the loss and
    # the gradients are not finite, whatever the data.
    for w in gan.discriminator.trainable_weights:
        if len(w.shape) == 2:
            w.assign(np.full(w.shape, 3e38, "float32"))


def _without_seed(gan, state):
    seed = flat([gan.seed_generator.state])[0]
    return [s for s in state if not (s.shape == seed.shape and
                                     s.dtype == seed.dtype)]


def test_non_finite_steps_change_no_weight_or_optimizer_state():
    gan = _gan(max_bad_steps=None)
    _explode(gan)
    before = _without_seed(gan, _state(gan))
    history = gan.fit(images(32), batch_size=8, epochs=1, verbose=0)
    assert history.history["bad_steps"] == [4.0]
    assert np.isnan(history.history["loss"][0])
    _assert_same(before, _without_seed(gan, _state(gan)))
    assert int(gan.g_optimizer.iterations) == 0
    assert int(gan.d_optimizer.iterations) == 0


def test_finite_steps_are_not_counted_and_loss_is_the_sum():
    gan = _gan()
    history = gan.fit(images(32), batch_size=8, epochs=1, verbose=0)
    assert history.history["bad_steps"] == [0.0]
    np.testing.assert_allclose(
        history.history["loss"][0],
        history.history["d_loss"][0] + history.history["g_loss"][0],
        rtol=1e-5,
    )


def test_fit_stops_after_max_bad_steps_with_advice():
    gan = _gan(max_bad_steps=3)
    _explode(gan)
    before = _without_seed(gan, _state(gan))
    with pytest.raises(FloatingPointError, match=r"max_bad_steps=3.*learning"):
        gan.fit(images(64), batch_size=8, epochs=3, verbose=0)
    _assert_same(before, _without_seed(gan, _state(gan)))


def test_terminate_on_nan_stops_a_gan_at_the_first_bad_step():
    gan = _gan(max_bad_steps=None)
    _explode(gan)
    history = gan.fit(
        images(64), batch_size=8, epochs=3, verbose=0,
        callbacks=[keras.callbacks.TerminateOnNaN()],
    )
    assert len(history.history["loss"]) == 1
    assert history.history["bad_steps"] == [1.0]


def test_checkpoints_of_a_diverging_run_hold_finite_weights(tmp_path):
    # SGD(1e3) diverges (the issue: NaN from epoch 2, every ModelCheckpoint
    # file NaN, and the "best" on d_loss too). The non-finite steps are
    # skipped: every file loads with finite weights, the best is finite.
    keras.utils.set_random_seed(0)
    g, d = tiny_pair()
    gan = keras_gan.GAN(g, d, seed=0)
    gan.compile(keras.optimizers.SGD(1e3), keras.optimizers.SGD(1e3),
                max_bad_steps=None)
    every = keras.callbacks.ModelCheckpoint(str(tmp_path / "e{epoch}.keras"))
    best = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "best.keras"), monitor="d_loss", mode="min",
        save_best_only=True,
    )
    history = gan.fit(images(64), batch_size=8, epochs=3, verbose=0,
                      callbacks=[every, best])
    assert sum(history.history["bad_steps"]) > 0  # it did diverge
    assert np.isfinite(best.best)
    for name in ["e1.keras", "e2.keras", "e3.keras", "best.keras"]:
        loaded = keras_gan.load(tmp_path / name)
        assert all(np.isfinite(w).all() for w in flat(loaded.weights)), name


def test_non_finite_arrays_are_refused_before_fit():
    gan = _gan()
    x = images(32)
    x[5, 0, 0, 0] = np.nan
    before = _state(gan)
    with pytest.raises(ValueError, match=r"non-finite.*index 5"):
        gan.fit(x, batch_size=8, verbose=0)
    _assert_same(before, _state(gan))


def _tf_data(x, y=None, batch_size=8):
    import tensorflow as tf

    data = x if y is None else (x, y)
    return tf.data.Dataset.from_tensor_slices(data).batch(batch_size)


class _Batches(keras.utils.PyDataset):
    def __init__(self, x, y):
        super().__init__()
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x) // 8

    def __getitem__(self, i):
        return self.x[i * 8 : (i + 1) * 8], self.y[i * 8 : (i + 1) * 8]


def test_non_finite_pipeline_batch_is_refused_in_the_step():
    gan = _gan()
    x = images(16)
    x[3] = np.inf
    before = _state(gan)
    with pytest.raises(DataError, match="non-finite"):
        gan.fit(_tf_data(x), epochs=1, verbose=0)
    _assert_same(before, _state(gan))


@pytest.mark.parametrize("kind", ["tf.data", "PyDataset"])
@pytest.mark.parametrize("bad", [3, 7, -1])
def test_bad_labels_from_a_pipeline_change_nothing(kind, bad):
    gan = _conditional()
    x = images(16)
    y = np.zeros(16, "int32")
    y[2] = bad
    data = _tf_data(x, y) if kind == "tf.data" else _Batches(x, y)
    before = _state(gan)
    with pytest.raises(DataError, match=r"outside \[0, 3\)"):
        gan.fit(data, epochs=1, verbose=0)
    _assert_same(before, _state(gan))


def test_bad_labels_under_tensorflow_xla_are_refused():
    if keras.backend.backend() != "tensorflow":
        pytest.skip("XLA drops assertions on TensorFlow only")
    gan = _conditional(jit_compile=True)
    y = np.full(16, 4, "int32")
    before = _state(gan)
    with pytest.raises(DataError, match=r"outside \[0, 3\)"):
        gan.fit(_tf_data(images(16), y), epochs=1, verbose=0)
    assert int(gan.data_fault) == 3
    _assert_same(before, _state(gan))


def test_a_recorded_fault_code_stops_fit_at_the_epoch_end():
    # The batch hook reads `data_fault` every `code_every` batches only: a
    # code recorded between reads (where an assertion was dropped) still
    # stops `fit` with the fault named, at the end of that epoch.
    if keras.backend.backend() != "tensorflow":
        pytest.skip("only TensorFlow records refused batches in a variable")

    class RecordFault(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.data_fault.assign(2)

    gan = _gan()
    epochs = []
    count = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: epochs.append(epoch)
    )
    with pytest.raises(DataError, match="outside the generator's range"):
        gan.fit(images(32), batch_size=4, epochs=3, verbose=0,
                callbacks=[RecordFault(), count])
    assert epochs == [0]


@pytest.mark.parametrize("dtype", ["int32", "float32"])
def test_one_hot_labels_are_named(dtype):
    gan = _conditional()
    y = np.eye(3, dtype=dtype)[np.zeros(16, "int32")]
    with pytest.raises(ValueError, match="one-hot.*argmax"):
        gan.fit(images(16), y, batch_size=8, verbose=0)
    with pytest.raises(ValueError, match="one-hot.*argmax"):
        gan.fit(_tf_data(images(16), y), verbose=0)


@pytest.mark.parametrize("pipeline", [False, True])
def test_images_in_0_255_are_refused_with_the_fix(pipeline):
    gan = _gan()
    x = (images(16) * 127.5 + 127.5).astype("float32")
    data = _tf_data(x) if pipeline else x
    before = _state(gan)
    with pytest.raises(ValueError, match="to_unit_range"):
        gan.fit(data, batch_size=8, verbose=0)
    with pytest.raises(ValueError, match="to_unit_range"):
        gan.fit(x.astype("uint8"), batch_size=8, verbose=0)
    _assert_same(before, _state(gan))
    gan.compile(data_range=None)
    gan.fit(data, batch_size=8, verbose=0)


def test_data_range_argument_is_checked():
    gan = _gan()
    with pytest.raises(ValueError, match="data_range"):
        gan.compile(data_range=(1, 0))
    gan.compile(data_range=(0, 255))
    assert gan.data_range == (0.0, 255.0)


def test_sample_grid_checks_its_directory_when_training_begins(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    gan = _gan()
    before = _state(gan)
    grid = keras_gan.callbacks.SampleGrid(blocker / "grids", num_samples=4)
    with pytest.raises(ValueError, match="SampleGrid cannot write"):
        gan.fit(images(16), batch_size=8, verbose=0, callbacks=[grid])
    _assert_same(before, _state(gan))


def test_bad_arguments_are_keras_style():
    gan = _gan()
    with pytest.raises(ValueError, match="Received: `steps_per_execution"):
        gan.compile(steps_per_execution=0)
    with pytest.raises(ValueError, match="Received: `steps_per_execution"):
        gan.compile(steps_per_execution=-1)
    with pytest.raises(ValueError, match="Received: `batch_size"):
        gan.generate(4, batch_size=0)


def test_generate_fills_one_array_in_batches():
    gan = _gan()
    out = gan.generate(10, seed=3, batch_size=4)
    assert out.shape == (10, 4, 4, 1) and out.dtype == np.float32
    # Equal up to float reassociation: a backend may pick another matmul
    # kernel for another batch size.
    np.testing.assert_allclose(
        out, gan.generate(10, seed=3, batch_size=10), rtol=1e-5, atol=1e-6
    )


def test_generate_peaks_near_its_output_size():
    # One preallocated array filled batch by batch: the peak is the output
    # plus a batch and the latents, not a list of batches plus their
    # concatenation (about 3.3x before). numpy reports to tracemalloc.
    import tracemalloc

    keras.utils.set_random_seed(0)
    g, d = tiny_pair(image_shape=(8, 8, 1))
    gan = keras_gan.GAN(g, d, seed=0)
    gan.generate(128, batch_size=128)  # build and trace first
    tracemalloc.start()
    try:
        out = gan.generate(2048, seed=1, batch_size=128)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert out.shape == (2048, 8, 8, 1)
    assert peak < 1.5 * out.nbytes, (peak, out.nbytes)


def _probability_critic(image_shape=(4, 4, 1), final="dense"):
    x = keras.Input(image_shape)
    h = layers.Flatten()(x)
    if final == "dense":
        out = layers.Dense(1, activation="sigmoid")(h)
    else:
        out = layers.Activation("sigmoid")(layers.Dense(1)(h))
    return keras.Model(x, out)


@pytest.mark.parametrize("final", ["dense", "activation"])
def test_sigmoid_discriminator_is_warned_about_at_compile(final):
    g, _ = tiny_pair()
    gan = keras_gan.GAN(g, _probability_critic(final=final))
    with pytest.warns(UserWarning, match="sigmoid.*raw logits"):
        gan.compile()


@pytest.mark.parametrize(
    "builder, kwargs",
    [
        ("mlp", {}),
        ("dcgan", {"filters": 8}),
        ("resnet", {"filters": 8}),
        ("stylegan", {}),
        ("r3gan", {}),
        ("progressive", {"filters": 4}),
    ],
)
def test_library_builders_give_no_warning_and_a_range(builder, kwargs):
    g, d = getattr(keras_gan.models, builder)(
        image_shape=(8, 8, 1), latent_dim=8, **kwargs
    )
    gan = keras_gan.GAN(g, d)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        gan.compile()
    # Linear on purpose (stylegan, r3gan, progressive) or tanh: [-1, 1],
    # so [0, 255] data is refused for them too.
    assert gan.data_range == (-1.0, 1.0)


def _linear_generator(final=None):
    z = keras.Input((4,))
    out = layers.Reshape((4, 4, 1))(layers.Dense(16)(z))
    if final is not None:
        out = final(out)
    return keras.Model(z, out)


def test_generator_without_bounded_output_is_warned_about_at_compile():
    _, d = tiny_pair()
    gan = keras_gan.GAN(_linear_generator(), d)
    with pytest.warns(UserWarning, match=r"no bounded activation.*OutputRange"
                      r".*data_range=\(low, high\)"):
        gan.compile()
    assert gan.data_range is None
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        gan.compile(data_range=(-1, 1))  # stated: no warning
        gan.compile(data_range=None)  # no check: no warning
    # A final ReLU is not bounded either.
    relu = keras_gan.GAN(_linear_generator(layers.ReLU()), d)
    with pytest.warns(UserWarning, match="no bounded activation"):
        relu.compile()


def test_output_range_declares_a_linear_generator(tmp_path):
    _, d = tiny_pair()
    g = _linear_generator(keras_gan.layers.OutputRange(0.0, 255.0))
    gan = keras_gan.GAN(g, d)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        gan.compile()
        assert gan.data_range == (0.0, 255.0)
        gan.save(tmp_path / "g.keras")
        loaded = keras_gan.load(tmp_path / "g.keras")  # recompiles: no warning
    assert loaded.data_range == (0.0, 255.0)
    # Unbounded on purpose: no warning, no range check.
    free = keras_gan.GAN(
        _linear_generator(keras_gan.layers.OutputRange(None, None)), d
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        free.compile()
    assert free.data_range is None
    with pytest.raises(ValueError, match="both bounds or neither"):
        keras_gan.layers.OutputRange(0.0, None)
    with pytest.raises(ValueError, match="low < high"):
        keras_gan.layers.OutputRange(1.0, 0.0)


def test_sequence_builder_declares_an_unbounded_output():
    g, d = keras_gan.models.sequence(
        sequence_length=4, features=2, latent_dim=4, units=4,
        output_activation=None,
    )
    gan = keras_gan.GAN(g, d)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        gan.compile()
    assert gan.data_range is None


class _NaNGeneratorLoss(keras_gan.losses.NonSaturating):
    """A finite D loss, a NaN G loss: only the G phase is skipped."""

    def generator_loss(self, *args, **kwargs):
        loss = super().generator_loss(*args, **kwargs)
        return loss * float("nan")


def _constant_generator_pair():
    # G's first kernel is zero: every fake is the same image,
    # tanh(W2 relu(beta) + b2) = tanh(0.3). D's batch norm has momentum 0:
    # its moving statistics are those of its last training-mode call.
    z = keras.Input((4,))
    h = layers.Dense(8, kernel_initializer="zeros")(z)
    h = layers.ReLU()(layers.BatchNormalization()(h))
    out = layers.Dense(16, activation="tanh",
                       bias_initializer=keras.initializers.Constant(0.3))(h)
    g = keras.Model(z, layers.Reshape((4, 4, 1))(out))
    x = keras.Input((4, 4, 1))
    h = layers.Dense(8)(layers.Flatten()(x))
    h = layers.BatchNormalization(momentum=0.0, name="d_bn")(h)
    d = keras.Model(x, layers.Dense(1)(layers.LeakyReLU(0.2)(h)))
    return g, d


def test_a_skipped_phase_restores_the_other_networks_statistics():
    # The G phase runs D in training mode, which writes D's batch-norm
    # statistics; skipped, it must put them back. They are then those of
    # the D phase's last call: the fakes through D's weights before the
    # update.
    keras.utils.set_random_seed(0)
    g, d = _constant_generator_pair()
    gan = keras_gan.GAN(g, d, seed=0)
    gan.compile(loss=_NaNGeneratorLoss(), max_bad_steps=None)
    g_before = flat(g.trainable_weights)
    kernel, bias = flat(d.layers[2].weights)
    history = gan.fit(images(8), batch_size=8, epochs=1, shuffle=False,
                      verbose=0)
    assert history.history["bad_steps"] == [1.0]
    assert int(gan.g_optimizer.iterations) == 0
    assert int(gan.d_optimizer.iterations) == 1
    _assert_same(g_before, flat(g.trainable_weights))
    assert not np.allclose(kernel, flat(d.layers[2].weights)[0])
    fake = np.full((1, 16), np.tanh(0.3), "float32")
    bn = d.get_layer("d_bn")
    np.testing.assert_allclose(
        flat([bn.moving_mean])[0], (fake @ kernel + bias)[0], rtol=1e-5,
        atol=1e-6,
    )
    np.testing.assert_allclose(flat([bn.moving_variance])[0], 0.0,
                               atol=1e-6)



@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("declared", ["unknown", "exact"])
def test_a_pipeline_batch_of_another_image_shape_is_named(declared, jit):
    # A tf.data pipeline that declares unknown sizes reaches the step with
    # no static shape: TensorFlow raised a raw matmul error there.
    import tensorflow as tf

    gan = _gan(jit_compile=jit)
    shape = (None, None, None, 1) if declared == "unknown" else (
        None, 6, 6, 1
    )

    def batches():
        yield images(8, shape=(6, 6, 1))

    data = tf.data.Dataset.from_generator(
        batches, output_signature=tf.TensorSpec(shape, "float32")
    )
    before = _state(gan)
    with pytest.raises(ValueError, match=r"image shape.*\(4, 4, 1\)"):
        gan.fit(data, epochs=1, verbose=0)
    _assert_same(before, _state(gan))


@pytest.mark.parametrize("jit", [False, True])
def test_a_pipeline_after_arrays_is_still_checked_batch_by_batch(jit):
    # In-memory arrays are checked whole before `fit` (every backend then
    # skips its per-batch check; TensorFlow traces its step without them,
    # under XLA as one compiled step); the next `fit` on a pipeline must
    # check its batches again (TensorFlow: a step traced with the checks).
    if jit and keras.backend.backend() == "torch":
        pytest.skip("torch.compile of a GAN step: minutes on a CPU")
    gan = _conditional(jit_compile=jit)
    y = np.zeros(16, "int32")
    gan.fit(images(16), y, batch_size=8, epochs=1, verbose=0)
    assert gan.batches_prechecked
    y[5] = 3
    before = _state(gan)
    with pytest.raises(DataError, match=r"outside \[0, 3\)"):
        gan.fit(_Batches(images(16), y), epochs=1, verbose=0)
    assert not gan.batches_prechecked
    _assert_same(before, _state(gan))


@pytest.mark.parametrize("bad", [None, "loss", "grad_nan", "grad_inf"])
def test_the_backends_finite_check_sees_one_bad_value(bad):
    # The check the driver uses (PyTorch's fused kernel; the generic sum
    # elsewhere): one non-finite entry in the loss or any gradient.
    from keras_gan.training import faults

    check = faults.all_finite
    if keras.backend.backend() == "torch":
        from keras_gan.training.torch import all_finite as check
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(s).astype("float32")
             for s in [(3, 4), (5,), (2, 2, 2)]]
    loss = np.float32(0.5)
    if bad == "loss":
        loss = np.float32(np.nan)
    elif bad:
        grads[1][2] = np.nan if bad == "grad_nan" else -np.inf
    loss = keras.ops.convert_to_tensor(loss)
    grads = [keras.ops.convert_to_tensor(g) for g in grads]
    ok = bool(keras.ops.convert_to_numpy(check(loss, grads)))
    assert ok == (bad is None)
    # Nothing was changed by the check.
    assert np.isnan(keras.ops.convert_to_numpy(grads[1])[2]) == (
        bad == "grad_nan")


def test_a_partial_last_batch_after_full_batches_trains():
    # Arrays of whole batches let TensorFlow trace the step for that batch
    # size; a later `fit` with a partial last batch must trace it again.
    gan = _gan()
    gan.fit(images(16), batch_size=8, epochs=1, verbose=0)
    assert gan.full_batch_size == 8
    before = gan.d_optimizer.iterations.numpy()
    history = gan.fit(images(12), batch_size=8, epochs=1, verbose=0)
    assert gan.full_batch_size is None
    assert gan.d_optimizer.iterations.numpy() == before + 2
    assert np.isfinite(history.history["d_loss"][0])
