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

# The catalogues (bot/i18n/locales): extract the English texts, merge them into each
# language's .po (new ids arrive empty, translate them there), compile the .mo files that
# are committed and shipped. `make i18n` runs all three; tests/bot/test_catalogue.py fails
# until every language has every text and the .mo files match their .po.
LOCALES := bot/i18n/locales
I18N_LANGS := ru es pt_BR
.PHONY: i18n i18n-extract i18n-update i18n-compile
i18n: i18n-extract i18n-update i18n-compile

i18n-extract: install
	$(BIN)/pybabel extract -F babel.cfg -k locale_str --no-location --sort-output -o $(LOCALES)/motionbot.pot bot

i18n-update:
	for lang in $(I18N_LANGS); do \
		$(BIN)/pybabel update -D motionbot -i $(LOCALES)/motionbot.pot -d $(LOCALES) -l $$lang --no-fuzzy-matching --ignore-obsolete --width 100 || exit 1; \
	done

i18n-compile:
	$(BIN)/pybabel compile -D motionbot -d $(LOCALES) --statistics
