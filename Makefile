# flexbench: `make demo` and `make test` each bootstrap .venv from a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench-perf clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: full campaign of every reference device against the simulated lab, ending in reports
demo: $(STAMP)
	$(BIN)/python -m bench.demo --out out/demo

## test: the project's own tests (units, driver transcripts, suite proofs on the simulated lab)
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider tests

## bench-perf: benchmarks whose results are written into docs/performance.md
bench-perf: $(STAMP)
	cd benchmarks && ../$(BIN)/python run_all.py --write ../docs/performance.md

clean:
	rm -rf $(VENV) out .pytest_cache
