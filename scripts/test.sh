#!/usr/bin/env bash
# Install everything the tests need on a fresh machine, then run lint, types and every test.
# Used by `.ci/run` and by developers alike: `bash scripts/test.sh [extra pytest args]`.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
bash scripts/install_test_deps.sh

echo "== ruff"; python3 -m ruff check . && python3 -m ruff format --check .
echo "== mypy"; python3 -m mypy
echo "== import-linter"; lint-imports --no-cache
echo "== vulture"; python3 -m vulture
echo "== pytest"; python3 -m pytest -n 2 --dist loadgroup "$@"
