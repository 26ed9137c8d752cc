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
