# shuliu — the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
VENV := .venv
UV := $(TOOLS)/bin/uv
PYTEST_ARGS ?=
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: demo test install assets lint check-lock bench clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

src/shuliu/web/static/vendor/.stamp: web/package-lock.json tools/fetch_assets.py
	$(PYTHON) tools/fetch_assets.py

assets: src/shuliu/web/static/vendor/.stamp

install: $(VENV)/.installed assets

## Run the demo: installs, builds the web assets, creates demo data, serves on http://127.0.0.1:8000.
demo: install
	$(VENV)/bin/shuliu demo

lint: install
	$(VENV)/bin/ruff check src tests bench tools
	$(VENV)/bin/ruff format --check src tests bench tools
	$(VENV)/bin/mypy
	$(VENV)/bin/python tools/i18n.py check

## Run the whole test suite (SQLite and PostgreSQL, DuckDB, the browser).
test: lint
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

## Benchmarks against peer tools (Presidio …, an optional dependency group); results in bench/README.md.
bench: install
	$(UV) sync --frozen --group bench --python $(PYTHON)
	$(VENV)/bin/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(TOOLS) src/shuliu/web/static/vendor test-artifacts .pytest_cache .mypy_cache .ruff_cache
