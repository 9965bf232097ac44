"""Atomic saves, damaged files, exact resume (issue 13)."""

import os

import keras
import numpy as np
import pytest
from helpers import flat
from helpers import images
from helpers import tiny_pair

import keras_gan
from keras_gan.training.checkpoint import DamagedFileError


def _gan(**compile_kwargs):
    keras.utils.set_random_seed(0)
    g, d = tiny_pair()
    gan = keras_gan.GAN(g, d, seed=0)
    gan.compile(**compile_kwargs)
    return gan


def _values(gan):
    return flat(gan.weights + gan.optimizer.variables)


def _assert_equal(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-7)


def test_a_failed_save_keeps_the_previous_file(tmp_path, monkeypatch):
    gan = _gan()
    path = tmp_path / "ck.keras"
    gan.save(path)
    good = path.read_bytes()
    gan.fit(images(16), batch_size=8, verbose=0)

    def disk_full(self, filepath, *args, **kwargs):
        with open(filepath, "wb") as f:
            f.write(good[:100])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(keras.Model, "save", disk_full)
    with pytest.raises(OSError, match="No space"):
        gan.save(path)
    monkeypatch.undo()

    def broken_config(self):
        raise TypeError("cannot serialize")

    monkeypatch.setattr(keras_gan.GAN, "get_config", broken_config)
    with pytest.raises(TypeError, match="cannot serialize"):
        gan.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == good
    assert os.listdir(tmp_path) == ["ck.keras"]  # no temporary file left
    assert isinstance(keras_gan.load(path), keras_gan.GAN)


def test_non_finite_weights_are_never_saved(tmp_path):
    gan = _gan()
    path = tmp_path / "ck.keras"
    gan.save(path)
    good = path.read_bytes()
    w = gan.generator.trainable_weights[0]
    w.assign(np.full(w.shape, np.nan, "float32"))
    with pytest.raises(ValueError, match="non-finite"):
        gan.save(path)
    with pytest.raises(ValueError, match="non-finite"):
        gan.save_weights(tmp_path / "w.weights.h5")
    assert path.read_bytes() == good


@pytest.mark.parametrize("damage", ["empty", "truncated", "text"])
def test_loading_a_damaged_file_says_damaged_not_missing(tmp_path, damage):
    path = tmp_path / "ck.keras"
    _gan().save(path)
    data = path.read_bytes()
    content = {"empty": b"", "truncated": data[: len(data) // 2],
               "text": b"not a zip"}[damage]
    path.write_bytes(content)
    with pytest.raises(DamagedFileError, match="exists but is damaged"):
        keras_gan.load(path)
    with pytest.raises(FileNotFoundError):
        keras_gan.load(tmp_path / "missing.keras")


def test_save_load_fit_with_shuffle_matches_an_uninterrupted_run(tmp_path):
    x = images(24)
    fit = dict(batch_size=8, verbose=0)  # shuffle=True, the default
    full = _gan()
    full.fit(x, epochs=3, **fit)
    part = _gan()
    part.fit(x, epochs=2, **fit)
    part.save(tmp_path / "mid.keras")
    resumed = keras_gan.load(tmp_path / "mid.keras")
    assert resumed.training_progress[1] == 2
    resumed.fit(x, epochs=1, **fit)
    _assert_equal(_values(full), _values(resumed))
    # The order did change between epochs (a real shuffle).
    other = _gan()
    other.training_progress = (1, 0, 0)
    other.fit(x, epochs=3, **fit)
    a = flat(full.generator.trainable_weights)[0]
    assert not np.allclose(a, flat(other.generator.trainable_weights)[0])


class _Interrupt(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("killed")


def test_backup_and_restore_at_an_epoch_boundary_is_exact(tmp_path):
    x = images(24)
    fit = dict(batch_size=8, epochs=3, verbose=0)
    full = _gan()
    full.fit(x, **fit)
    backup = str(tmp_path / "backup")
    first = _gan()
    with pytest.raises(RuntimeError, match="killed"):
        first.fit(x, callbacks=[
            keras.callbacks.BackupAndRestore(backup), _Interrupt(2)
        ], **fit)
    # A fresh process: same construction, then fit restores the backup.
    resumed = _gan()
    history = resumed.fit(
        x, callbacks=[keras.callbacks.BackupAndRestore(backup)], **fit
    )
    assert len(history.history["loss"]) == 1
    _assert_equal(_values(full), _values(resumed))


def test_stale_backup_metadata_does_not_shift_the_epoch(tmp_path):
    # Killed between the (atomic) weights and Keras's metadata file: the
    # epoch comes from the weights' own state.
    x = images(24)
    fit = dict(batch_size=8, epochs=3, verbose=0)
    full = _gan()
    full.fit(x, **fit)
    backup = tmp_path / "backup"
    first = _gan()
    with pytest.raises(RuntimeError):
        first.fit(x, callbacks=[
            keras.callbacks.BackupAndRestore(str(backup)), _Interrupt(2)
        ], **fit)
    (backup / "training_metadata.json").write_text('{"epoch": 1')
    resumed = _gan()
    with pytest.warns(UserWarning, match="damaged"):
        resumed.fit(x, callbacks=[
            keras.callbacks.BackupAndRestore(str(backup))
        ], **fit)
    _assert_equal(_values(full), _values(resumed))


def test_a_damaged_backup_is_reported_and_skipped(tmp_path):
    x = images(16)
    backup = tmp_path / "backup"
    backup.mkdir()
    (backup / "latest.weights.h5").write_bytes(b"garbage")
    gan = _gan()
    with pytest.warns(UserWarning, match="damaged"):
        history = gan.fit(x, batch_size=8, epochs=2, verbose=0, callbacks=[
            keras.callbacks.BackupAndRestore(str(backup))
        ])
    assert len(history.history["loss"]) == 2
    assert int(gan.g_optimizer.iterations) == 4


def test_mid_epoch_backup_redoes_the_epoch_from_its_first_batch(tmp_path):
    # Documented behaviour (docs/faults.md): with `save_freq=N`, a restart
    # resumes from the last saved weights at the start of that epoch.
    x = images(32)  # 4 batches an epoch
    backup = str(tmp_path / "backup")
    fit = dict(batch_size=8, epochs=2, verbose=0)

    class KillAtBatch(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                raise RuntimeError("killed")

    first = _gan()
    with pytest.raises(RuntimeError):
        first.fit(x, callbacks=[
            keras.callbacks.BackupAndRestore(backup, save_freq=3),
            KillAtBatch(),
        ], **fit)
    resumed = _gan()
    resumed.fit(
        x, callbacks=[keras.callbacks.BackupAndRestore(backup, save_freq=3)],
        **fit
    )
    # 3 saved updates, then 2 full epochs of 4: 11 instead of 8.
    assert int(resumed.g_optimizer.iterations) == 3 + 8


def test_mid_epoch_backup_count_is_k_plus_s_for_the_killed_epoch(tmp_path):
    # docs/faults.md: an epoch of S batches killed after a save at its
    # batch k trains k + S generator updates for that epoch. Here S = 4 and
    # save_freq=3 counts across epochs: saves after the 3rd batch of the
    # first epoch and the 2nd of the second (k = 2), killed after its 3rd.
    x = images(32)
    backup = str(tmp_path / "backup")
    fit = dict(batch_size=8, epochs=3, verbose=0)

    class Kill(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if self.epoch == 1 and batch == 2:
                raise RuntimeError("killed")

    class Count(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.batches = {}

        def on_epoch_begin(self, epoch, logs=None):
            self.batches[epoch] = 0

        def on_train_batch_end(self, batch, logs=None):
            self.batches[max(self.batches)] += 1

    first = _gan()
    with pytest.raises(RuntimeError):
        first.fit(x, callbacks=[
            keras.callbacks.BackupAndRestore(backup, save_freq=3), Kill(),
        ], **fit)
    assert int(first.g_optimizer.iterations) == 7
    resumed, count = _gan(), Count()
    history = resumed.fit(x, callbacks=[
        keras.callbacks.BackupAndRestore(backup, save_freq=3), count,
    ], **fit)
    # It restarts epoch 1 (the second) from its first batch, with the
    # 6 updates of the last save: epoch 1 totals k + S = 2 + 4.
    assert count.batches == {1: 4, 2: 4}
    assert len(history.history["loss"]) == 2
    assert int(resumed.g_optimizer.iterations) == 4 + (2 + 4) + 4


@pytest.mark.large
def test_sigkill_at_random_points_then_restart_matches(tmp_path):
    import signal
    import subprocess
    import sys

    import fault_worker

    fault_worker.train(None, tmp_path / "ref.npz")
    reference = np.load(tmp_path / "ref.npz")
    backup, out = str(tmp_path / "backup"), tmp_path / "out.npz"
    env = dict(os.environ)
    here = os.path.dirname(__file__)
    env["PYTHONPATH"] = os.pathsep.join(
        [here, os.path.dirname(here), env.get("PYTHONPATH", "")]
    )
    cmd = [sys.executable, os.path.join(here, "fault_worker.py"), backup,
           str(out), "0.3"]
    rng = np.random.default_rng(0)
    kills = 0
    for attempt in range(4):
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        # Three kills at random points, then a run to the end.
        timeout = float(rng.uniform(3.0, 8.0)) if attempt < 3 else 600
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
            for name in os.listdir(backup) if os.path.isdir(backup) else []:
                path = os.path.join(backup, name)
                if name.endswith(".h5") and not name.startswith("."):
                    from keras_gan.training import checkpoint

                    assert checkpoint.damage(path) is None, name
            continue
        assert proc.returncode == 0
        break
    else:
        pytest.fail("the worker never finished")
    result = np.load(out)
    assert kills >= 1
    for key in reference.files:
        np.testing.assert_allclose(result[key], reference[key], rtol=1e-6,
                                   atol=1e-7)
