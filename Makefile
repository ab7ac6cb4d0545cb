# phaselab: two commands after `git clone` -- `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.phaselab-installed
BUILD  := build
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9]*.ipynb))

export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: setup run notebooks movies test lab bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## The main job: every chapter executed on the bundled data (copies + HTML), then the movies.
run: notebooks movies

notebooks: setup
	mkdir -p $(BUILD)/notebooks
	cd notebooks && PHASELAB_BUILD=$(abspath $(BUILD)) ../$(BIN)/jupyter nbconvert --to notebook --execute \
		--ExecutePreprocessor.timeout=3600 --output-dir ../$(BUILD)/notebooks $(notdir $(NOTEBOOKS))
	$(BIN)/jupyter nbconvert --to html --output-dir $(BUILD)/notebooks $(BUILD)/notebooks/*.ipynb
	@echo "Executed notebooks and HTML are in $(BUILD)/notebooks/"

movies: setup
	mkdir -p $(BUILD)/movies
	for axis in time frequency phase; do \
		$(BIN)/phaselab movie --word sheila --crop 0:0.7 --axis $$axis --out $(BUILD)/movies/sheila_$$axis.mp4 || exit 1; \
	done
	$(BIN)/phaselab movie --word sheila --crop 0:0.7 --random-phase --out $(BUILD)/movies/sheila_noise_time.mp4
	@echo "Chapter 03's movies are in $(BUILD)/movies/"

## The tests: unit tests plus every notebook under nbval, in quick mode.
test: setup
	MPLBACKEND=Agg PHASELAB_QUICK=1 $(BIN)/python -m pytest tests --nbval-lax $(NOTEBOOKS)

lab: setup
	$(BIN)/jupyter lab notebooks

bench: setup
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(BUILD)
