#!/usr/bin/env bash
# The whole test suite, as `make test` and CI run it. Stops at the first failing step.
set -euo pipefail
cd "$(dirname "$0")/.."

export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 LOG_LEVEL_LIBRARIES=ERROR
export PYTHONWARNINGS=ignore
# CI runs against PostgreSQL (a fresh database per run, made by the tests); a laptop
# uses SQLite unless MAPBOT_TEST_POSTGRES_URL says otherwise.
if [[ -n "${CI:-}" && -z "${MAPBOT_TEST_POSTGRES_URL:-}" ]]; then
  export MAPBOT_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:5432/postgres"
fi

step() { printf '\n== %s\n' "$*"; }

step "ruff"
.venv/bin/ruff check bot actions tests

step "rasa data validate --fail-on-warnings"
.venv-rasa/bin/rasa data validate --fail-on-warnings --quiet

step "the learned safeguarding check matches its training data"
.venv-rasa/bin/python -m bot.core.safeguarding.train --check

step "action unit tests (Rasa environment)"
.venv-rasa/bin/python -m pytest tests/actions -q -p no:cacheprovider

step "train the model (skipped when the training data is unchanged)"
.venv/bin/mapbot train

# Rasa as production starts it (bot/operations/stack.py): through bot.rasa_patches.run_rasa, which
# installs MapBot's Rasa patches at start (MAPBOT_RASA_PATCHES=off: stock Rasa). `rasa
# test core` replays the stories in memory (an agent without endpoints: no channel, no
# tracker store, no action server); the production channel and tracker store are run by
# the end-to-end tests and the small benchmark below, which start the real services.
step "rasa test: conversations replayed against the model (MapBot's Rasa patches on)"
.venv-rasa/bin/python -m bot.rasa_patches.run_rasa test core --stories tests/stories \
  --model models/mapbot.tar.gz --out results/core --fail-on-prediction-errors --quiet

step "NLU routing on held-out answers (results/nlu-routing.md)"
.venv-rasa/bin/python -m pytest tests/nlu_eval -q -p no:cacheprovider

step "benchmark at tiny size (2 families each side): proves it works, asserts no times"
.venv/bin/ruff check bench
.venv/bin/python -m bench.run --families 2 --rounds 2 --out tests/artifacts/bench

database=SQLite
[[ -n "${MAPBOT_TEST_POSTGRES_URL:-}" ]] && database=PostgreSQL
step "unit, portal and end-to-end tests (database: $database)"
.venv/bin/python -m pytest tests/unit tests/portal tests/safeguarding tests/e2e -q -p no:cacheprovider
