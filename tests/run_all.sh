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

# tests/ mirrors bot/. The Rasa environment runs tests/rasa (actions, rasa_plugins,
# rasa_patches; nlu_eval once the model is trained); the portal environment runs the rest.
# tests/count_tests.py fails when a test folder is in neither list, or in both.
RASA_TESTS=(tests/rasa)
PORTAL_TESTS=(tests/core tests/database tests/services tests/portal tests/operations tests/e2e)

step "every test folder is collected by exactly one step"
.venv/bin/python tests/count_tests.py "${RASA_TESTS[@]}" "${PORTAL_TESTS[@]}" > /dev/null

step "ruff"
.venv/bin/ruff check bot actions tests bench

step "mypy (bot, actions)"
.venv/bin/mypy  # settings and files: [tool.mypy] in pyproject.toml

step "rasa data validate --fail-on-warnings"
.venv-rasa/bin/rasa data validate --fail-on-warnings --quiet

step "the learned safeguarding check matches its training data"
.venv-rasa/bin/python -m bot.core.safeguarding.train --check

step "the columns and finer-parts models match their training data"
.venv-rasa/bin/python -m bot.core.understanding.columns_train --check
.venv-rasa/bin/python -m bot.core.understanding.parts_train --check

step "actions, Rasa plugins and patches (Rasa environment)"
.venv-rasa/bin/python -m pytest "${RASA_TESTS[@]}" --ignore=tests/rasa/nlu_eval -q -p no:cacheprovider

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
.venv-rasa/bin/python -m pytest tests/rasa/nlu_eval -q -p no:cacheprovider

step "benchmark at tiny size (2 families each side): proves it works, asserts no times"
.venv/bin/python -m bench.run --families 2 --rounds 2 --out tests/artifacts/bench

database=SQLite
[[ -n "${MAPBOT_TEST_POSTGRES_URL:-}" ]] && database=PostgreSQL
step "core, database, services, portal, operations and end-to-end tests (database: $database)"
.venv/bin/python -m pytest "${PORTAL_TESTS[@]}" -q -p no:cacheprovider

step "test functions (a parametrized test counts once)"
.venv/bin/python tests/count_tests.py "${RASA_TESTS[@]}" "${PORTAL_TESTS[@]}"
