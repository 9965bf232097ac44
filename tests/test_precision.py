"""Mixed precision: float16 with loss scaling, bfloat16."""

import keras
import numpy as np
import pytest
from helpers import images

import keras_gan


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_trains(policy):
    keras.config.set_dtype_policy(policy)
    g, d = keras_gan.models.dcgan(image_shape=(8, 8, 1), latent_dim=8,
                                  filters=4)
    gan = keras_gan.GAN(g, d, seed=0)
    gan.compile(penalty=keras_gan.penalties.R1(1.0))
    history = gan.fit(images(16, shape=(8, 8, 1)), batch_size=8, epochs=1,
                      verbose=0)
    for values in history.history.values():
        assert np.isfinite(values).all()
    assert all(v.dtype == "float32" for v in gan.trainable_variables)
    assert g.compute_dtype == policy.split("_")[1]
    assert gan.generate(2, seed=0).dtype == np.float32
    scaled = isinstance(gan.optimizer, keras.optimizers.LossScaleOptimizer)
    assert scaled == (policy == "mixed_float16")
    assert int(gan.d_optimizer.iterations) == 2
