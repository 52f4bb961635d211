# Two commands for a new user: `make demo` and `make test`. Everything the project needs is
# installed from here, so nothing set up by hand is needed on the next machine or in CI.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# strict editable mode gives mypy and IDEs a real package tree (motionbot.* mapped from the
# three top-level folders); re-run `make install` after adding a module. mypy runs inside that
# link tree: from the repo root it would take motionbot.* for empty namespace folders.
EDITABLE := --config-settings editable_mode=strict

.PHONY: demo test install lint typecheck system-deps bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV) || { $(SUDO) apt-get update && $(SUDO) apt-get install -y python3-venv && $(PYTHON) -m venv $(VENV); }
	$(PIP) install -q --upgrade pip

$(VENV)/.renderer-installed: pyproject.toml | $(BIN)/python
	$(PIP) install -q -e ".[renderer]" $(EDITABLE)
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(PIP) install -q -e ".[dev]" $(EDITABLE)
	touch $@ $(VENV)/.renderer-installed

install: | $(VENV)/.dev-installed
	$(PIP) install -q --no-deps -e . $(EDITABLE)

system-deps:
	@command -v redis-server >/dev/null || { $(SUDO) apt-get update && $(SUDO) apt-get install -y redis-server; }
	@# validates docker-compose.yml offline in tests/ops (Debian's compose v1 reads the compose spec)
	@command -v docker-compose >/dev/null || { $(SUDO) apt-get update && $(SUDO) apt-get install -y docker-compose; }

demo: $(VENV)/.renderer-installed
	$(PIP) install -q --no-deps -e . $(EDITABLE)
	$(BIN)/motionbot demo -o demo-output

lint: install
	$(BIN)/ruff check .

typecheck: install
	cd build/__editable__.motionbot-* && $(abspath $(BIN))/mypy --config-file $(CURDIR)/pyproject.toml -p motionbot.queue -p motionbot.ops -p motionbot.renderer -p motionbot.bot

test: system-deps install
	$(BIN)/ruff check .
	cd build/__editable__.motionbot-* && $(abspath $(BIN))/mypy --config-file $(CURDIR)/pyproject.toml -p motionbot.queue -p motionbot.ops -p motionbot.renderer -p motionbot.bot
	$(BIN)/pytest -q

bench: install
	$(BIN)/python benchmarks/motion.py

clean:
	rm -rf $(VENV) build dist demo-output *.egg-info
