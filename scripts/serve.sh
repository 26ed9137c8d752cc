#!/usr/bin/env bash
# Set up (once), build the site from policies/ and serve it on http://127.0.0.1:8000, rebuilding
# when a policy file changes. Pass --port N or --host H to change where it listens.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh run
exec .venv/bin/kb site serve --policies policies "$@"
