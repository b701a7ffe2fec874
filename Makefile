# Two commands for a fresh machine:  `make repro` (set up + run the pipeline), `make test` (set up + tests).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# torch first, pinned: on this project's machines pip takes these from local copies.
TORCH  ?= torch==2.14.1 torchvision==0.29.1
DATASET_DIR := /usr/share/datasets/fashion-mnist
# Commands that need the project's tools (dvc, pytest, fashion-diffusion) run with the venv first on PATH.
RUN    := PATH="$(CURDIR)/$(BIN):$$PATH"
# The tests on two pytest-xdist workers; tests/conftest.py keeps each module (and every user of the served
# pipeline) on one worker and shares the cores between them. XDIST= runs them in this one process.
XDIST  ?= -n 2 --dist loadgroup

# Where `make push` / `make pull` keep DVC's data when the repository names no remote: a local folder.
# For a team, commit any DVC storage instead: `dvc remote add -d storage s3://bucket/fashion-diffusion`.
DVC_REMOTE ?= $(HOME)/fashion-diffusion-dvc-remote

.PHONY: setup constraints lint dataset browser repro test test-fast smoke mlflow team-server serve remote push pull \
	compare log-run bench-sample clean

setup: $(VENV)/.installed

# Every distribution at the version pinned in constraints.txt (pyproject.toml holds only the ranges).
$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt $(TORCH)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

# Refresh constraints.txt (minutes): torch and the project installed unconstrained, the newest pyproject.toml
# allows, in a throwaway venv; its pip freeze is written back under the file's comment lines. Then run
# `make clean test` and commit constraints.txt with the code it was tested with.
constraints:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(PYTHON) -m venv "$$tmp/venv" && \
	"$$tmp/venv/bin/pip" install --quiet --upgrade pip && \
	"$$tmp/venv/bin/pip" install --quiet $(TORCH) && \
	"$$tmp/venv/bin/pip" install --quiet -e '.[dev]' && \
	{ grep '^#' constraints.txt; "$$tmp/venv/bin/pip" freeze --exclude-editable | \
		grep -viE '^(pip|setuptools|wheel)=='; } > "$$tmp/constraints.txt" && \
	mv "$$tmp/constraints.txt" constraints.txt && echo "constraints.txt: $$(grep -c '==' constraints.txt) pins"

# ruff's lint rules and formatting (config in pyproject.toml); `make test-fast` and `make test` run it first.
lint: setup
	$(RUN) ruff check . && $(RUN) ruff format --check .

# Debian's dataset-fashion-mnist when we can install it; otherwise `prepare` downloads with torchvision.
dataset:
	@if [ -d $(DATASET_DIR) ]; then echo "dataset: $(DATASET_DIR)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends dataset-fashion-mnist; \
	else echo "dataset: $(DATASET_DIR) absent; the prepare stage will download Fashion-MNIST with torchvision"; fi

# Debian's chromium for the MLflow UI test (playwright drives it; no `playwright install`).
browser:
	@if command -v chromium >/dev/null; then echo "browser: $$(command -v chromium)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; \
	else echo "browser: chromium absent and not installable here; the MLflow UI test will be skipped"; fi

repro: setup dataset
	$(RUN) dvc repro

# Lint, then everything, the slow end-to-end tests included (what CI runs).
test: setup lint dataset browser
	$(RUN) pytest -q $(XDIST)

# The quick loop: lint, then the unit tests only (about a minute).
test-fast: setup lint dataset
	$(RUN) pytest -q -m "not slow" $(XDIST)

smoke: setup dataset
	$(RUN) python -m tests.support.tiny_pipeline

mlflow: setup
	@echo "open http://127.0.0.1:5000/#/experiments?workflowType=machine_learning"
	$(BIN)/mlflow server --backend-store-uri sqlite:///$(CURDIR)/mlflow.db --host 127.0.0.1 --port 5000 --workers 1

# A tracking server for a team, behind MLflow's login (docs/mlflow.md). Required: MLFLOW_FLASK_SERVER_SECRET_KEY,
# on the first start MLFLOW_AUTH_ADMIN_PASSWORD (the admin's, at least 12 characters), and ALLOWED_HOSTS, the
# host:port clients use. Runs, artifacts and users are kept in TEAM_SERVER_DIR.
TEAM_SERVER_DIR ?= $(HOME)/fashion-diffusion-mlflow
SERVER_HOST ?= 0.0.0.0
PORT ?= 5000
team-server: setup
	$(RUN) fashion-diffusion team-server --folder "$(TEAM_SERVER_DIR)" --host $(SERVER_HOST) --port $(PORT) \
		--allowed-hosts "$(ALLOWED_HOSTS)"

# The registered model over HTTP on this machine (docs/mlflow.md): POST requests to http://127.0.0.1:$(SERVE_PORT)/invocations.
MODEL ?= models:/fashion-diffusion/latest
SERVE_PORT ?= 5001
serve: setup
	MLFLOW_TRACKING_URI="$${MLFLOW_TRACKING_URI:-sqlite:///$(CURDIR)/mlflow.db}" \
		$(RUN) mlflow models serve -m "$(MODEL)" --env-manager local --host 127.0.0.1 --port $(SERVE_PORT)

# A DVC remote only when none is configured: DVC_REMOTE, recorded in .dvc/config.local (this clone only).
remote: setup
	@if [ -z "$$($(RUN) dvc remote list)" ]; then \
		mkdir -p "$(DVC_REMOTE)" && $(RUN) dvc remote add --local -d local "$(DVC_REMOTE)" && \
		echo "DVC remote: $(DVC_REMOTE) (change with DVC_REMOTE=... or dvc remote add -d)"; fi

push: remote
	$(RUN) dvc push

pull: remote
	$(RUN) dvc pull

# reports/experiments.md (+ .png): the DVC experiments of this baseline, differing params and key metrics.
compare: setup
	$(RUN) fashion-diffusion compare

# Log the finished pipeline execution in this repository to MLflow (when its tracking store was unreachable).
log-run: setup
	$(RUN) fashion-diffusion log-run

# 100 images per class (1000 for Fashion-MNIST) with the default sampler, steps and guidance from models/diffusion.pt, timed
# as a whole process (model load included). Run it alone: other work on the cores slows it.
bench-sample: setup
	@out=$$(mktemp -d) && $(RUN) bash -c 'TIMEFORMAT="100 images per class in %R s (process start and model load included)"; \
	time fashion-diffusion generate --class all --n 100 --no-progress --out '"$$out"'/bench.npz'; rm -rf "$$out"

clean:
	rm -rf $(VENV)
