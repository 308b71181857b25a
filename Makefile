# Every target sets itself up: a fresh machine needs only Python >= 3.10 with pip and venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TORCH_VERSION ?= 2.13.0
# Fashion-MNIST for tests and demos, when a shared copy sits beside the checkout.
SHARED_DATA := $(abspath ../shared/data)
export RUNG_DATA_DIR ?= $(if $(wildcard $(SHARED_DATA)),$(SHARED_DATA),)

.PHONY: venv test test-slow demo lint bench clean browser

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The CPU build of torch, pinned: an unpinned torch pulls a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet 'torch==$(TORCH_VERSION)'
	$(BIN)/python -m pip install --quiet -e '.[dev,torch,plot,dask]'
	touch $(STAMP)

# Chromium and its driver, for the dashboard's browser tests (Debian's packages).
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	else echo "No Chromium, and no root apt-get to install it: the browser tests will skip."; fi

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

# The heavy end-to-end tests (whole CLI runs on Fashion-MNIST, the examples); CI runs them too.
test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow tests

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks

# The main job: ASHA with random search on LeNet for a few minutes, then the final model.
# The space file keeps the search where LeNet learns within an epoch (see its comment).
# Two one-thread workers train 1.9x the epochs of one, and 1.2x one two-thread worker.
DEMO_BUDGET ?= 180
DEMO_WORKERS ?= 2
DEMO_OUT ?= runs/demo-$(shell date +%Y%m%d-%H%M%S)
demo: $(STAMP)
	$(BIN)/rung tune --model lenet --searcher random --scheduler asha \
		--space examples/spaces/lenet.toml --time-budget $(DEMO_BUDGET) \
		--min-epochs 1 --max-epochs 9 --eta 3 --workers $(DEMO_WORKERS) --threads 1 \
		--out $(DEMO_OUT)
	@echo "See it live or afterwards: $(BIN)/rung dashboard $(DEMO_OUT)"

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	# DEHB's only release pins numpy<2 but runs on numpy 2: its requirements are in the extra.
	$(BIN)/python -m pip install --quiet --no-deps 'dehb==0.1.2'
	$(BIN)/python benchmarks/overhead.py
	$(BIN)/python benchmarks/train_speed.py
	$(BIN)/python benchmarks/parallel.py
	$(BIN)/python benchmarks/store.py
	$(BIN)/python benchmarks/simulated.py
	# A smoke run of the quality study (the full one: python benchmarks/quality.py).
	$(BIN)/python benchmarks/quality.py --quick

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache
