"""Trains a tiny GAN with BackupAndRestore; run (and killed) by a test."""

import sys

import keras
import numpy as np
from helpers import images
from helpers import tiny_pair

import keras_gan


def train(backup, out, epochs=6, slow=0.0):
    import time

    class Slow(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            time.sleep(slow)

    keras.utils.set_random_seed(0)
    g, d = tiny_pair()
    gan = keras_gan.GAN(g, d, seed=0)
    gan.compile()
    callbacks = [Slow()]
    if backup:
        callbacks.insert(0, keras.callbacks.BackupAndRestore(
            backup, double_checkpoint=True
        ))
    gan.fit(images(32), batch_size=8, epochs=epochs, verbose=0,
            callbacks=callbacks)
    np.savez(out, *[keras.ops.convert_to_numpy(w) for w in gan.weights])


if __name__ == "__main__":
    train(sys.argv[1], sys.argv[2], slow=float(sys.argv[3]))
