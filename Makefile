# Two commands: `make run` (local service with demo data) and `make test` (lint, types, tests).
# The oldest supported Python (3.11) when installed, otherwise the system's python3 (3.12, 3.13).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
# Playwright drives Debian's /usr/bin/chromium; it must never fetch a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: run test provision lint typecheck pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-run

instance/secret_key:
	mkdir -p instance
	umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(48))" > $@

# Local development over plain http: cookies cannot be marked Secure there, and the links the
# service writes point at this machine.
LOCAL := COOKIE_SECURE=false PUBLIC_URL=http://127.0.0.1:5000
run: $(VENV)/.installed-run instance/secret_key
	$(LOCAL) $(BIN)/flask db upgrade
	$(LOCAL) $(BIN)/flask demo-data
	@echo ""
	@echo "Tjänsten körs på http://127.0.0.1:5000  (avsluta med Ctrl+C)"
	$(LOCAL) $(BIN)/flask run --host 127.0.0.1 --port 5000

# Provisioning first (Chromium, LibreOffice, PostgreSQL, Redis; see scripts/provision), then the
# checks in a fresh make, which looks for Python again in case provisioning installed it.
test:
	@PYTHON="$(PYTHON)" scripts/provision
	@$(MAKE) --no-print-directory lint typecheck pytest

provision:
	@PYTHON="$(PYTHON)" scripts/provision

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

pytest: $(VENV)/.installed-dev
	$(BIN)/pytest

bench: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
