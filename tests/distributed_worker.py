"""Runs one data-parallel GAN step in a fresh process; prints JSON.

Used by `test_distributed.py`: device counts, logical devices and process
groups must be set up before the backend starts, hence a subprocess.

The scenario: G(z) = a z + b with a = b = 0, so fakes are exactly 0 and
D's update does not depend on the latents; D(x) = w x + c; SGD(0.1); the
non-saturating loss; 8 real values split over 2 replicas.
"""

import json
import os
import sys

REAL = [[0.5], [1.5], [-0.3], [2.0], [1.0], [-1.0], [0.2], [0.9]]
A, B, W, C, LR = 0.0, 0.0, 1.3, 0.1, 0.1


def linear_gan():
    import keras
    import numpy as np

    import keras_gan

    z = keras.Input((1,))
    g = keras.Model(z, keras.layers.Dense(1)(z))
    x = keras.Input((1,))
    d = keras.Model(x, keras.layers.Dense(1)(x))
    g.set_weights([np.array([[A]]), np.array([B])])
    d.set_weights([np.array([[W]]), np.array([C])])
    gan = keras_gan.GAN(g, d, seed=3)
    gan.compile(
        keras.optimizers.SGD(LR), keras.optimizers.SGD(LR), data_range=None
    )
    return gan


def weights(model):
    import keras

    return [
        float(keras.ops.convert_to_numpy(v).ravel()[0]) for v in model.weights
    ]


def tensorflow_mirrored():
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2
    )
    import keras
    import numpy as np

    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with strategy.scope():
        gan = linear_gan()
    gan.fit(np.array(REAL, "float32"), batch_size=8, epochs=1,
            shuffle=False, verbose=0)
    per_replica = [
        [float(t.numpy().ravel()[0]) for t in v.value.values]
        for v in gan.generator.weights + gan.discriminator.weights
    ]

    @tf.function
    def draw():
        return strategy.run(
            lambda: keras.random.normal((4,), seed=gan.seed_generator)
        )

    draws = [t.numpy().tolist() for t in draw().values]
    with strategy.scope():
        xla = linear_gan()
        xla.compile(jit_compile=True, data_range=None)
    before = weights(xla.generator) + weights(xla.discriminator)
    try:
        xla.fit(np.array(REAL, "float32"), batch_size=8, verbose=0)
        xla_error = None
    except ValueError as e:
        xla_error = str(e)
    return {
        "xla_error": xla_error,
        "xla_unchanged": before
        == weights(xla.generator) + weights(xla.discriminator),
        "g": weights(gan.generator),
        "d": weights(gan.discriminator),
        "per_replica": per_replica,
        "draws": draws,
    }


def torch_process(rank, port, queue):
    os.environ["KERAS_BACKEND"] = "torch"
    import torch.distributed as dist

    dist.init_process_group(
        "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
        world_size=2,
    )
    import keras
    import numpy as np

    gan = linear_gan()
    if rank == 1:
        # Every process starts from rank 0's weights, whatever it built.
        gan.discriminator.set_weights([np.array([[9.0]]), np.array([9.0])])
    shard = np.array(REAL[4 * rank : 4 * rank + 4], "float32")
    gan.fit(shard, batch_size=4, epochs=1, shuffle=False, verbose=0)
    draw = keras.random.normal((4,), seed=gan.seed_generator)
    queue.put((rank, {
        "g": weights(gan.generator),
        "d": weights(gan.discriminator),
        "draw": keras.ops.convert_to_numpy(draw).tolist(),
    }))
    dist.destroy_process_group()


def torch_distributed():
    import socket

    import torch.multiprocessing as mp

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    context = mp.get_context("spawn")
    queue = context.Queue()
    processes = [
        context.Process(target=torch_process, args=(rank, port, queue))
        for rank in range(2)
    ]
    for p in processes:
        p.start()
    results = dict(queue.get(timeout=300) for _ in processes)
    for p in processes:
        p.join(timeout=60)
    return {"ranks": [results[0], results[1]]}


def jax_data_parallel():
    import keras
    import numpy as np

    import keras_gan

    def run(distribution):
        keras.distribution.set_distribution(distribution)
        keras.utils.set_random_seed(0)
        g, d = keras_gan.models.dcgan((8, 8, 1), latent_dim=8, filters=4)
        gan = keras_gan.GAN(g, d, seed=0)
        gan.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2),
                    penalty=keras_gan.penalties.R1(1.0))
        x = np.random.default_rng(0).uniform(-1, 1, (16, 8, 8, 1))
        gan.fit(x.astype("float32"), batch_size=8, epochs=2, shuffle=False,
                verbose=0)
        sharding = str(gan.generator.weights[0].value.sharding)
        keras.distribution.set_distribution(None)
        return [np.asarray(v).tolist() for v in gan.generator.weights
                + gan.discriminator.weights], sharding

    import jax

    parallel, sharding = run(keras.distribution.DataParallel())
    single, _ = run(None)
    return {"devices": len(jax.devices()), "parallel": parallel,
            "single": single, "sharding": sharding}


if __name__ == "__main__":
    scenario = {
        "tensorflow": tensorflow_mirrored,
        "torch": torch_distributed,
        "jax": jax_data_parallel,
    }[sys.argv[1]]
    print("RESULT " + json.dumps(scenario()))
