# roost: `make serve` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
BIN := $(VENV)/bin
ADAPTERS := $(wildcard adapters/*/pyproject.toml)
# Adapters with a model of their own to train; roost-sklearn (adapters/sklearn)
# is the runtime of packaged models, which ship their artifact in their wheel.
TRAINABLE := $(filter-out adapters/sklearn/pyproject.toml,$(ADAPTERS))
SERVE_STAMP := $(VENV)/.serve-installed
TEST_STAMP := $(VENV)/.test-installed
FIXTURE_STAMP := $(VENV)/.fixtures-installed
# The test adapters the unit tests serve. roost-fixture-late, -late-faulty,
# -late-fatal and -slow-start are left out: integration tests install and
# uninstall them themselves, in environments of their own.
LATE_FIXTURES := %/roost-fixture-late/ %/roost-fixture-late-faulty/ \
	%/roost-fixture-late-fatal/ %/roost-fixture-slow-start/
FIXTURES := $(filter-out $(LATE_FIXTURES),$(dir $(wildcard tests/fixtures/*/pyproject.toml)))
FIXTURE_SOURCES := $(wildcard tests/fixtures/*/pyproject.toml tests/fixtures/*/src/*/*.py)
# roost-client, its own distribution; the tests call servers through it.
CLIENT := client/
CLIENT_SOURCES := $(wildcard client/pyproject.toml client/src/roost/client/*.py)
# tox-uv makes the test envs from this machine's Python, never a downloaded one.
UV_PYTHON_DOWNLOADS ?= never
export UV_PYTHON_DOWNLOADS
# pytest-xdist workers for test-quick: one per core.
QUICK_WORKERS ?= auto

.PHONY: serve edge test test-quick lint format train models clean dist bench bench-packaged bench-batch

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"

# roost first, so the adapters' dependency on it is met by this checkout.
$(SERVE_STAMP): pyproject.toml $(ADAPTERS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m pip install --quiet $(foreach a,$(ADAPTERS),-e $(dir $(a)))
	touch $@

$(TEST_STAMP): $(SERVE_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test]" -e "./adapters/sklearn[onnx]"
	touch $@

# test-quick runs the unit tests in .venv, so the fixtures and the client go
# there too (tox installs them into its own env for make test).
$(FIXTURE_STAMP): $(TEST_STAMP) $(FIXTURE_SOURCES) $(CLIENT_SOURCES)
	rm -rf $(addsuffix build,$(FIXTURES) $(CLIENT))
	$(BIN)/python -m pip install --quiet --no-deps --force-reinstall $(FIXTURES) $(CLIENT)
	touch $@

train: $(SERVE_STAMP)  ## train the bundled adapters when no artifact exists
	$(foreach a,$(TRAINABLE),$(BIN)/roost train $(notdir $(patsubst %/,%,$(dir $(a)))) --if-missing &&) true

serve: train  ## serve every installed adapter on 127.0.0.1:$(PORT)
	$(BIN)/roost serve --port $(PORT)

# The edge listens on PORT when given (`make edge PORT=8080`), else on 8080:
# PORT's own default is `make serve`'s.
UPSTREAM ?= 127.0.0.1:8000
EDGE_PORT = $(if $(filter file,$(origin PORT)),8080,$(PORT))

edge:  ## nginx in front of roost (deploy/edge), in the foreground: PORT=8080 UPSTREAM=127.0.0.1:8000
	@deploy/edge/ensure-nginx
	deploy/edge/run $(EDGE_PORT) $(UPSTREAM)

models: $(SERVE_STAMP)
	$(BIN)/roost models

# NOTE: setuptools builds the wheel in build/ and keeps what an earlier build
# left there, so a deleted module would still ship; each lint starts clean.
test: $(TEST_STAMP)  ## lint, then the whole suite against the built wheel
	@tests/support/ensure-chromium
	@deploy/edge/ensure-nginx || echo "the edge tests will be skipped"
	rm -rf build
	$(BIN)/tox run -e lint,py311

test-quick: $(FIXTURE_STAMP)  ## ruff, mypy, import contract, then the unit tests; no servers
	rm -rf build
	$(BIN)/tox run -e lint
	$(BIN)/pytest -n $(QUICK_WORKERS) tests/unit $(wildcard adapters/*/tests)

lint: $(TEST_STAMP)
	rm -rf build
	$(BIN)/tox run -e lint

format: $(TEST_STAMP)
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

dist: | $(BIN)/python  ## wheels of roost, roost-client and every adapter in dist/ (never a trained artifact)
	rm -rf dist build $(CLIENT)build $(foreach a,$(ADAPTERS),$(dir $(a))build)
	$(BIN)/python -m pip wheel --no-deps --quiet -w dist . $(CLIENT) $(foreach a,$(ADAPTERS),$(dir $(a)))

BENCH_ARGS ?=
# bench-packaged's own options; --quick in BENCH_ARGS makes it quick too.
PACKAGED_ARGS ?= $(filter --quick,$(BENCH_ARGS))
ENSURE_WRK = @command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq wrk; } \
	|| { echo "make bench needs wrk: sudo apt-get install -y wrk" >&2; exit 1; }

bench: $(SERVE_STAMP)  ## roost vs the seed stack, MLServer and the floors, then bench-packaged (never part of test)
	$(ENSURE_WRK)
	$(BIN)/python benchmarks/run.py --roost-python $(BIN)/python $(BENCH_ARGS)
	$(MAKE) --no-print-directory bench-packaged PACKAGED_ARGS="$(PACKAGED_ARGS)"

bench-packaged: $(SERVE_STAMP)  ## a `roost package`d pipeline: roost's engines vs MLServer, micro-batching on/off
	$(ENSURE_WRK)
	$(BIN)/python benchmarks/packaged.py --roost-python $(BIN)/python $(PACKAGED_ARGS)

bench-batch: $(TEST_STAMP)  ## roost predict, local vs Dask and the floor, 1M rows -> benchmarks/RESULTS-batch.md
	$(BIN)/python benchmarks/batch.py --repeat 3

clean:
	rm -rf $(VENV) .tox build dist *.egg-info

# Container image targets (need a Docker engine): image, push, release.
include deploy/release.mk
