# `make demo` trains a GAN on scikit-learn's digits into runs/demo (report.html).
# `make test` runs lint, the test suite under TensorFlow, JAX and PyTorch, and
# builds the docs. Both create .venv and install what they need first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BACKENDS ?= tensorflow jax torch
# pytest-xdist workers per backend: the tests are mostly single-threaded
# Python (tracing, compiling tiny programs), so two workers keep both cores
# busy. `make test TEST_WORKERS=0` runs in one process.
TEST_WORKERS ?= 2
# torch==2.13.0 is a CPU wheel; a plain `torch` would pull a multi-GB CUDA
# build. tensorflow-cpu keeps CI free of GPU libraries.
DEPS := "torch==2.13.0" tensorflow-cpu

.PHONY: install demo test lint docs bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.demo-installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q tensorflow-cpu -e ".[examples]"
	touch $@

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q $(DEPS) -e ".[jax,test,docs,examples]"
	@# The FID reference of tests/test_metrics_fid.py. Without --no-deps,
	@# torchvision would pull a CUDA torch; its C ops stay unloaded.
	$(PY) -m pip install -q --no-deps pytorch-fid "torchvision==0.28.0"
	touch $@ $(VENV)/.demo-installed

install: $(VENV)/.installed

# The demo: `keras-gan train digits` (see docs/cli.md); it prints its
# training time with the machine's cores and load. Open runs/demo/report.html.
demo: $(VENV)/.demo-installed
	rm -rf runs/demo
	KERAS_BACKEND=tensorflow $(VENV)/bin/keras-gan train digits --out runs/demo \
	  --recipe dcgan --epochs 60

lint: $(VENV)/.installed
	$(PY) -m ruff check .

test: $(VENV)/.installed lint
	@# Cheaper XLA compilation: the tests compile many tiny programs.
	@set -e; export XLA_FLAGS="--xla_backend_optimization_level=0 \
	  --xla_llvm_disable_expensive_passes=true"; \
	for b in $(BACKENDS); do \
	  echo "=== KERAS_BACKEND=$$b"; \
	  KERAS_BACKEND=$$b $(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile \
	    --doctest-modules tests keras_gan; \
	done
	$(MAKE) docs

docs: $(VENV)/.installed
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict -q
	@# Fails when an API page shows a docstring example outside a code block.
	$(PY) tools/check_docs.py site

bench: $(VENV)/.installed
	for b in $(BACKENDS); do KERAS_BACKEND=$$b $(PY) benchmarks/throughput.py; done

clean:
	rm -rf $(VENV) site
