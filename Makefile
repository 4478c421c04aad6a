# Tongban Gateway — `make run` starts the local multi-province stack, `make test` runs every check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed

.PHONY: run test unit contract-lint lint typecheck pytest cfn-lint partner-ts package openapi bench format clean

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (PYTHON=...)")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check 'pip<26.3'
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

run: $(STAMP)
	$(PY) -m infra.local

# The static checks run two at a time (each is one process), then the tests on every worker.
test: $(STAMP)
	@$(MAKE) --no-print-directory -j2 --output-sync=target lint typecheck cfn-lint contract-lint partner-ts
	@$(MAKE) --no-print-directory pytest

# The inner loop: the pure domain and the services' unit tests, in seconds.
unit: $(STAMP)
	$(PY) -m pytest tests/unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

cfn-lint: $(STAMP)
	$(BIN)/cfn-lint infra/template.yaml

# The contract as a mobile team's tools read it: Spectral's spectral:oas ruleset, warnings included.
# Spectral comes from the npm registry, pinned by tools/spectral/package-lock.json (Node 18+).
SPECTRAL := tools/spectral/node_modules/.bin/spectral
$(SPECTRAL): tools/spectral/package-lock.json
	npm ci --prefix tools/spectral --no-audit --no-fund --loglevel=error
	@touch $(SPECTRAL)

# Like partner-ts, skipped with a notice where there is no Node (CI has Node 20, so there it runs).
contract-lint:
	@if command -v npm >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory $(SPECTRAL) && \
	  $(SPECTRAL) lint openapi/openapi.json --ruleset tools/spectral/.spectral.yaml --fail-severity=warn --quiet; \
	else \
	  echo "contract-lint: SKIPPED — npm not found (Node 18+ is needed for Spectral)"; \
	fi

# The TypeScript partner (partners/ts): dependencies from npm exactly as its lock file says, tsc,
# its node:test suite (the JCS vectors among them). Without node it is skipped with a notice, and
# so are the end-to-end tests that start it; CI has Node 20, so there it always runs.
partner-ts:
	@if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then \
	  cd partners/ts && npm ci --no-audit --no-fund && npm test; \
	else \
	  echo "partner-ts: SKIPPED — node/npm not found (Node 20 is needed for partners/ts)"; \
	fi

# pytest includes tests/infra: every province packaged, cfn-lint and checkov on the packaged
# templates, their data resources built in moto, and the function policies checked for wildcards.
# PYTEST_WORKERS=1 runs everything in one process, as `make unit` does.
PYTEST_WORKERS ?= 2
pytest: $(STAMP)
	$(PY) -m pytest -n $(PYTEST_WORKERS)

# make package PROVINCE=430000 → out/430000/sam.yaml + deployment.zip (see infra/package.py)
package: $(STAMP)
	@test -n "$(PROVINCE)" || { echo "usage: make package PROVINCE=<code>, one of: $$(ls infra/provinces/*.json | xargs -n1 basename | sed 's/.json//' | tr '\n' ' ')"; exit 2; }
	$(PY) -m infra.package $(PROVINCE)

openapi: $(STAMP)
	TONGBAN_STAGE=local $(PY) -m chalicelib.api.contract > openapi/openapi.json
	TONGBAN_STAGE=local $(PY) -m chalicelib.api.message_schemas openapi/messages/v1

bench: $(STAMP)
	$(PY) -m bench

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .local .mypy_cache .ruff_cache .hypothesis out tools/spectral/node_modules partners/ts/node_modules partners/ts/dist
