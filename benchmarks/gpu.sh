#!/bin/sh
# One GPU, every backend, < 5 minutes: images/s of dcgan, resnet, stylegan
# and r3gan at 64x64 and 128x128, float32 and mixed_float16.
#   benchmarks/gpu.sh [--output-dir DIR] [any option of benchmarks/gpu.py]
# Writes DIR/results.json and DIR/results.md (default DIR: gpu_results).
set -e
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"
[ -x .venv/bin/python ] && [ "$PYTHON" = python ] && PYTHON=.venv/bin/python
# Each backend runs alone; do not let JAX or TensorFlow take all GPU memory
# up front, and use XLA's full optimization (not the test suite's flags).
export XLA_PYTHON_CLIENT_PREALLOCATE=false
export TF_FORCE_GPU_ALLOW_GROWTH=true
unset XLA_FLAGS
exec "$PYTHON" benchmarks/gpu.py "$@"
