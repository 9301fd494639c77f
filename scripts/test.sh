#!/usr/bin/env bash
# Runs the whole OrleansIm test suite and ends with one line "N passed, N failed".
# Needs the .NET 10 SDK. The PostgreSQL tests start their own throwaway server from Debian's postgresql-15
# binaries, which are installed with apt-get if missing. Extra arguments go to `dotnet test` (e.g. --filter X).
set -uo pipefail
cd "$(dirname "$0")/.."

PG_BIN=/usr/lib/postgresql/15/bin
if [ ! -x "$PG_BIN/initdb" ]; then
  echo "PostgreSQL 15 server binaries missing: installing postgresql-15" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql-15 >/dev/null \
    || { echo "could not install postgresql-15" >&2; echo "0 passed, 1 failed"; exit 1; }
fi

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

dotnet test OrleansIm.sln --logger "trx;LogFileName=results.trx" --results-directory "$results" "$@"
status=$?

passed=0
failed=0
found=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  found=1
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0}))
done

# A run that failed without any result (build error, crashed test host) still counts as a failure.
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
fi
if [ "$found" -eq 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
