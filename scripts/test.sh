#!/usr/bin/env bash
# Set up (once) and run the whole test suite: lint, type check, policy validation, unit/property/browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
.venv/bin/ruff check kb tests benchmarks
.venv/bin/mypy kb
.venv/bin/kb validate policies
.venv/bin/python -m pytest "$@"
