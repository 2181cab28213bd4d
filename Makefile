# kpitrack: the two commands of the README are `make report` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat constraints.txt pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: report test test-fast install validate clean lab lint bytecode

$(STAMP): constraints.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { echo "could not create $(VENV): on Debian/Ubuntu run: sudo apt-get install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	$(BIN)/python -m pip check
	$(BIN)/python -m ipykernel install --sys-prefix --name kpitrack --display-name "Python (kpitrack)" >/dev/null
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

## kpitrack's own modules compiled to bytecode, as pip compiles an installed package's: an editable
## install leaves that to the first import, which never writes it where PYTHONDONTWRITEBYTECODE is
## set (as on the CI machines here), so that every kernel compiled the ~80 modules a report imports
## (0.1 s of a 2 s run). Only changed modules are compiled again (0.05 s when none changed). Best
## effort: a checkout it cannot write, or a module that does not compile (the tests then name it with
## its line), only skips it.
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q lib >/dev/null 2>&1 || echo "make bytecode: some of kpitrack's modules were not compiled (a read-only checkout, or a syntax error the next step names); going on"

## The main job: validate the plan and data, run the 2018 mid-term evaluation and the 2020 final
## evaluation on the sourced Hangzhou figures and on the synthetic demo data, render HTML and PDF, make the latest month's
## bulletins of both datasets, the performance cards and scores of 2018 and the improvement notices
## of the latest month (synthetic data: the synthetic register is generated, not an official record),
## and the website that links them (reports/site/_site/index.html).
## The main job: the steps of params/build.yaml (reports, the latest bulletins, cards, notices, scores,
## the site), two streams side by side, each step's progress and the time left; logs in reports/_build/.
report: $(STAMP) bytecode
	$(BIN)/kpitrack build

test: $(STAMP) bytecode
	$(BIN)/python -m pytest -q

## The developer's fast lane: the pure logic (statuses, trajectories, paces, rules, ledgers, notices,
## scoring, the layers), no notebooks and no renders; under a minute. `make test` is what CI runs.
FAST = test_progress test_trajectory test_labels test_rules test_pace test_ytd test_probability test_plan test_derive \
       test_consistency test_scoring test_layers test_ledger
test-fast: $(STAMP) bytecode
	$(BIN)/python -m pytest -q -m "not slow" $(FAST:%=tests/%.py)

## The linter (rules in pyproject.toml) and the installed set's consistency; .ci/run runs both.
lint: $(STAMP)
	$(BIN)/ruff check lib tests bench
	$(BIN)/python -m pip check

## JupyterLab on notebooks/ with the notebooks' kernel ("Python (kpitrack)", the .venv's Python,
## registered by the install step). Start with notebooks/explore.ipynb.
## Extra options: make lab LAB_ARGS="--port 8899 --no-browser"
lab: $(STAMP) bytecode
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks $(LAB_ARGS)

validate: $(STAMP)
	$(BIN)/kpitrack validate

clean:
	rm -rf reports/_output reports/*.ipynb reports/.quarto reports/bulletins reports/cards reports/notices reports/site reports/scores-*.txt
