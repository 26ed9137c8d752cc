#!/usr/bin/env bash
# Run a test command N times in a row with extra CPU load, to show the tests wait for events, not for an idle machine.
#   bash scripts/under-load.sh [RUNS] [BUSY] -- COMMAND...     (defaults: 3 runs, 2 busy-loop processes at nice 0)
# e.g. bash scripts/under-load.sh 3 2 -- .venv/bin/pytest -q tests/browser tests/test_site.py
# Prints each run's exit code, duration and load average; exits non-zero if any run failed. The busy loops are
# stopped (by their process ids) however the script ends.
set -uo pipefail
runs=3 busy=2
if [[ ${1:-} != "--" && $# -gt 0 ]]; then runs=$1; shift; fi
if [[ ${1:-} != "--" && $# -gt 0 ]]; then busy=$1; shift; fi
[[ ${1:-} == "--" ]] && shift
if [[ $# -eq 0 ]]; then echo "usage: bash scripts/under-load.sh [RUNS] [BUSY] -- COMMAND..." >&2; exit 2; fi
pids=()
stop() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done; }
trap stop EXIT
for _ in $(seq "$busy"); do
  nice -n 0 python3 -c "while True: pass" &
  pids+=($!)
done
failed=0
for run in $(seq "$runs"); do
  start=$(date +%s)
  echo "== run $run of $runs: $(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg), ${busy} busy loops"
  "$@"
  rc=$?
  echo "== run $run: exit $rc after $(( $(date +%s) - start )) s, load $(cut -d' ' -f1-3 /proc/loadavg)"
  [[ $rc -ne 0 ]] && failed=1
done
exit $failed
