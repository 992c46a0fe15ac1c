# flexbench: `make demo` and `make test` each bootstrap .venv from a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Let Python cache bytecode: every campaign starts a bench and a lab process that would otherwise
# compile the project's modules from source each time (some shells set PYTHONDONTWRITEBYTECODE).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: demo test lint bench-perf clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: full campaign of every reference device against the simulated lab, ending in reports
demo: $(STAMP)
	$(BIN)/python -m bench.demo --out out/demo

## test: the project's own tests (units, driver transcripts, suite proofs on the simulated lab).
## Three workers on a 2-core machine: many tests wait on real time (a labgrid coordinator's 60 s
## reservation expiry, OCPP and browser round trips, campaign subprocesses handing over to their lab),
## so a third worker fills the idle cores (7.6 -> 5.8 min measured, docs/performance.md).
test: $(STAMP)
	$(BIN)/python -m pytest -n 3 -p no:cacheprovider tests

## lint: ruff (rules in pyproject.toml) over all Python files, then mypy on the installed packages
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

## bench-perf: benchmarks whose results are written into docs/performance.md
## (BENCH_PERF_FLAGS="--make-test" also times make test; "--skip-demo" leaves out the whole demo)
bench-perf: $(STAMP)
	cd benchmarks && ../$(BIN)/python run_all.py --write ../docs/performance.md $(BENCH_PERF_FLAGS)

clean:
	rm -rf $(VENV) out .pytest_cache

## screenshots: docs/images/report-{pv,ev,heat-pump}.png, one reference campaign each (~2 min; needs chromium:
## .ci/system-deps installs it), the top of the report and the evidence of one requirement with its plots;
## docs/images/live-view.png: `flexbench serve` shot while a short campaign runs (lab/liveview/screenshot.py, ~30 s)
SHOTS := out/screenshots
.PHONY: screenshots
screenshots: $(STAMP)
	rm -rf $(SHOTS)
	$(BIN)/python -m bench.cli run --profile device_profiles/sim-pv-inverter.yaml --out $(SHOTS)/pv --quiet
	$(BIN)/python -m bench.cli run --profile device_profiles/sim-ev-charger-201.yaml --out $(SHOTS)/ev --quiet
	$(BIN)/python -m bench.cli run --profile device_profiles/sim-heat-pump-modbus.yaml --out $(SHOTS)/heat-pump --quiet
	$(BIN)/python -m reports.chromium docs/images/report-pv.png $(SHOTS)/pv/report.html PV-UMAX-TRIP 2800
	$(BIN)/python -m reports.chromium docs/images/report-ev.png $(SHOTS)/ev/report.html EV-COMMLOSS-RECONNECT 2800
	$(BIN)/python -m reports.chromium docs/images/report-heat-pump.png $(SHOTS)/heat-pump/report.html \
		HP-LIMIT-MODBUS 2800
	$(BIN)/python -m lab.liveview.screenshot docs/images/live-view.png

## allure-report: Allure 3 report (npm package `allure`, Node.js >= 20, no Java) from every
## out/**/allure-results that `flexbench run` / `make demo` wrote; not part of `make test`
ALLURE_NPM     ?= allure@3.18.0
ALLURE_RESULTS ?= $(shell find out -type d -name allure-results 2>/dev/null | sort)
.PHONY: allure-report
allure-report:
	@test -n "$(ALLURE_RESULTS)" || { echo "no out/**/allure-results: run 'flexbench run' or 'make demo' first" >&2; exit 1; }
	npx --yes $(ALLURE_NPM) generate $(ALLURE_RESULTS) --output out/allure-report --name "flexbench campaigns"
	@echo "Allure report: out/allure-report/index.html"
