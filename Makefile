# The two commands a newcomer types: `make demo` and `make test`. Both set everything up first.
VENV  ?= .venv
PY    := $(VENV)/bin/python
# A CPU build of torch on these machines; override (e.g. TORCH=torch) elsewhere.
TORCH ?= torch==2.13.0
# Test files spread over this many processes (pytest-xdist; a file's tests stay together): while
# one runs a container or a torch step on one core, the other core runs the next file.
TEST_WORKERS ?= 2

.PHONY: setup engine test demo lint clean-containers

$(VENV)/.installed: pyproject.toml setup.py srl_swe/srl/_matcher.c
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check "$(TORCH)"
	$(PY) -m pip install -q --disable-pip-version-check -e '.[train,dev,fast,ray]'
	touch $@

engine:
	scripts/ensure-docker
	$(VENV)/bin/srl-swe images build-base

setup: $(VENV)/.installed engine

test: setup
	$(VENV)/bin/pytest -q -ra -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

demo: setup
	$(VENV)/bin/srl-swe demo

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check srl_swe tests benchmarks

clean-containers: $(VENV)/.installed
	$(VENV)/bin/srl-swe sandbox prune --all
