# phaselab: two commands after `git clone` -- `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.phaselab-installed
BUILD  := build
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9]*.ipynb))
# the chapters by falling full-mode time (06, 04, 05 take minutes; the rest seconds), for `make notebooks`
CHAPTER_ORDER := $(notdir $(filter %06_speech_or_noise.ipynb,$(NOTEBOOKS)) $(filter %04_3d_cnn_training.ipynb,$(NOTEBOOKS)) \
	$(filter %05_phase_encodings_compared.ipynb,$(NOTEBOOKS)) $(filter-out %04_3d_cnn_training.ipynb %05_phase_encodings_compared.ipynb \
	%06_speech_or_noise.ipynb,$(NOTEBOOKS)))

KEYWORD_RUN := $(BUILD)/runs/keyword

.PHONY: setup run model notebooks movies site test lab bench experiments clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## The main job: every chapter executed on the bundled data with the shipped keyword model
## (copies + HTML), then the movies, then the browsable site.
run: notebooks movies site

## The researcher's path: retrain the shipped keyword model from scratch with the default recipe
## on the bundled real speech (see README for its time); an interrupted run resumes.
model: setup
	$(BIN)/phaselab train --out $(KEYWORD_RUN) --resume
	$(BIN)/python -m phaselab.cli.ship $(KEYWORD_RUN)
	@echo "Shipped phaselab/weights/keyword_model.keras (try: $(BIN)/phaselab predict data/samples/marvin.wav)"

notebooks: setup
	mkdir -p $(BUILD)/notebooks
	# two chapters at a time, longest first: much of a chapter's time is Python-bound (one core)
	cd notebooks && printf '%s\n' $(CHAPTER_ORDER) | PHASELAB_BUILD=$(abspath $(BUILD)) xargs -P 2 -I{} \
		../$(BIN)/jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=3600 \
		--output-dir ../$(BUILD)/notebooks {}
	$(BIN)/jupyter nbconvert --to html --output-dir $(BUILD)/notebooks $(BUILD)/notebooks/*.ipynb
	@echo "Executed notebooks and HTML are in $(BUILD)/notebooks/"

movies: setup
	mkdir -p $(BUILD)/movies
	for axis in time frequency phase; do \
		$(BIN)/phaselab movie --word sheila --crop 0:0.7 --axis $$axis --force --out $(BUILD)/movies/sheila_$$axis.mp4 || exit 1; \
	done
	$(BIN)/phaselab movie --word sheila --crop 0:0.7 --random-phase --force --out $(BUILD)/movies/sheila_noise_time.mp4
	@echo "Chapter 03's movies are in $(BUILD)/movies/"

## The book: one browsable offline site (Sphinx + MyST-NB) from the executed chapters of build/notebooks
## (made by `make notebooks`) and the movies of build/movies (`make movies`).
site: setup
	$(BIN)/phaselab site $(BUILD)/notebooks $(if $(wildcard $(BUILD)/movies/*.mp4),--movies $(BUILD)/movies) --out $(BUILD)/site
	@echo "Open $(BUILD)/site/index.html in a browser (works offline)"

## The tests: unit tests plus every notebook under nbval, in quick mode.
test: setup
	MPLBACKEND=Agg PHASELAB_QUICK=1 $(BIN)/python -m pytest tests --durations=15 --nbval-lax $(NOTEBOOKS)

lab: setup
	$(BIN)/jupyter lab notebooks

bench: setup
	for b in benchmarks/speed/bench_*.py; do $(BIN)/python $$b || exit 1; done

## The full-budget runs behind the README's "What we found" table (hours on a 2-core CPU; each resumes or
## skips what is done where the script allows). Results go to benchmarks/results/.
EVERYDAY_NON_SPEECH = $(sort $(filter-out data/everyday_sounds/librispeech_%,$(wildcard data/everyday_sounds/*.wav)))

experiments: setup
	$(BIN)/python benchmarks/experiments/real_speech.py --seeds 0 1
	$(BIN)/python benchmarks/experiments/recipes_real.py
	$(BIN)/python benchmarks/experiments/keyword_models.py --seeds 0 1
	$(BIN)/python benchmarks/experiments/encodings_real.py --seeds 0 1 2
	$(BIN)/python benchmarks/experiments/speech_noise_models.py
	$(BIN)/python benchmarks/experiments/train_speech_detector.py
	$(BIN)/python benchmarks/experiments/train_speech_detector.py --tonal 100 --music 200 --effects --n 4000 --epochs 16 --no-folds --seed 2 --out phaselab/weights/speech_detector_music.keras --results benchmarks/results/speech_detector_music.json  # needs apt-get install fluidsynth fluid-soundfont-gm widelands-data
	$(BIN)/python benchmarks/experiments/detectors_world.py --ship  # needs apt-get install warzone2100-music lincity-ng-data supertux-data tuxpaint-stamps-default
	$(BIN)/python benchmarks/experiments/listen.py --split validation --words 1000 --held-out-sounds --gate --sweep  # the same Debian packages
	$(BIN)/python benchmarks/experiments/listen.py --words 1000 --held-out-sounds --gate --sweep --everyday $(EVERYDAY_NON_SPEECH)
	$(BIN)/python benchmarks/experiments/heldout_voices.py  # needs espeak-ng (apt-get install espeak-ng) for its extra test set

clean:
	rm -rf $(BUILD)
