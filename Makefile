# Two commands for a fresh machine:  `make repro` (set up + run the pipeline), `make test` (set up + tests).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# torch first, pinned: on this project's machines pip takes these from local copies.
TORCH  ?= torch==2.14.1 torchvision==0.29.1
DATASET_DIR := /usr/share/datasets/fashion-mnist

.PHONY: setup dataset repro test test-fast smoke mlflow clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet $(TORCH)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Debian's dataset-fashion-mnist when we can install it; otherwise `prepare` downloads with torchvision.
dataset:
	@if [ -d $(DATASET_DIR) ]; then echo "dataset: $(DATASET_DIR)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends dataset-fashion-mnist; \
	else echo "dataset: $(DATASET_DIR) absent; the prepare stage will download Fashion-MNIST with torchvision"; fi

repro: setup dataset
	PATH="$(CURDIR)/$(BIN):$$PATH" dvc repro

# Everything, the slow end-to-end tests included (what CI runs).
test: setup dataset
	PATH="$(CURDIR)/$(BIN):$$PATH" pytest -q

# The quick loop: unit tests only (about a minute).
test-fast: setup dataset
	PATH="$(CURDIR)/$(BIN):$$PATH" pytest -q -m "not slow"

smoke: setup dataset
	PATH="$(CURDIR)/$(BIN):$$PATH" python -m tests.support.tiny_pipeline

mlflow: setup
	$(BIN)/mlflow ui --backend-store-uri sqlite:///$(CURDIR)/mlflow.db

clean:
	rm -rf $(VENV)
