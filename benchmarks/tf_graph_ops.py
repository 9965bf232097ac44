"""Op counts of the traced TensorFlow train step: library against hand-written.

    KERAS_BACKEND=tensorflow python benchmarks/tf_graph_ops.py [--size 8]

Traces `keras_gan.GAN.fit` and the hand-written loop of `handwritten.py`
(graph mode, no XLA) for the same DCGAN of `throughput.py`, and counts the
ops of each traced step graph by type, nested function bodies included
(the branches of `tf.cond`). At 8x8 the step is a few thousand tiny ops,
so the TF executor's per-op cost decides the step time: this is the
profile behind the 8x8 graph-mode gap of docs/benchmarks.md. Prints (and
with `--json` writes) the totals and the types whose counts differ.
"""

import argparse
import collections
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))


def _tf_function(fn, seen=None):
    """The `tf.function` that Keras's `train_function` closure calls."""
    seen = set() if seen is None else seen
    if hasattr(fn, "_list_all_concrete_functions"):
        return fn
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        if callable(value) and id(value) not in seen:
            seen.add(id(value))
            found = _tf_function(value, seen)
            if found is not None:
                return found
    return None


def graph_ops(model):
    """Counter of op types in `model`'s traced train step."""
    graph = _tf_function(model.train_function)._list_all_concrete_functions()
    graph = graph[-1].graph
    counts = collections.Counter(op.type for op in graph.get_operations())
    for function in graph._functions.values():
        for node in function.definition.node_def:
            counts[node.op] += 1
    return counts


def count(size=8, batch_size=64):
    """`{"library": Counter, "handwritten": Counter}` for a size x size x 1
    DCGAN, after two traced steps of each."""
    import handwritten
    import throughput

    from keras_gan import GAN

    shape = (size, size, 1)
    x = np.random.default_rng(0).uniform(-1, 1, (batch_size * 2,) + shape)
    x = x.astype("float32")
    (g, d), (g2, d2) = throughput.build_networks(shape)
    gan = GAN(g, d, seed=0)
    gan.compile(jit_compile=False)
    gan.fit(x, batch_size=batch_size, epochs=1, verbose=0)
    loop = handwritten.make_loop(g2, d2, throughput.LATENT_DIM, False)
    loop.train(x, batch_size, 2)
    return {"library": graph_ops(gan), "handwritten": graph_ops(loop.model)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=8)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    import keras

    if keras.backend.backend() != "tensorflow":
        raise SystemExit("tf_graph_ops.py needs KERAS_BACKEND=tensorflow")
    counts = count(args.size)
    lib, hand = counts["library"], counts["handwritten"]
    types = sorted(set(lib) | set(hand), key=lambda k: -abs(lib[k] - hand[k]))
    result = {
        "size": args.size,
        "library_total": sum(lib.values()),
        "handwritten_total": sum(hand.values()),
        "differences": {
            k: [lib[k], hand[k]]
            for k in types
            if lib[k] != hand[k]
        },
    }
    print(json.dumps(result, indent=1))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return result


if __name__ == "__main__":
    main()
