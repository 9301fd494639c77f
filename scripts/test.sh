#!/usr/bin/env bash
# Runs the whole OrleansIm test suite and ends with one line "N passed, N failed".
# Needs the .NET 10 SDK. The PostgreSQL tests start their own throwaway server from Debian's postgresql-15
# binaries, the browser tests drive Debian's chromium, and the web codec test runs node: each is installed with
# apt-get if missing. Extra arguments go to `dotnet test` (e.g. --filter X). Results (trx files, screenshots of
# the browser tests) are left in TestResults/. The SDK tests pack the .NET packages and the npm tarball and install
# each into a fresh project; the JavaScript SDK's tests run node and npm (npm ci from the committed lock file).
set -uo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
updated=0
install() { # install PACKAGE: apt-get install, updating the package lists once
  echo "$1 missing: installing it with apt-get" >&2
  if [ "$updated" -eq 0 ]; then
    $SUDO apt-get update -qq || return 1
    updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$1" >/dev/null
}

if [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
  install postgresql-15 || { echo "could not install postgresql-15" >&2; echo "0 passed, 1 failed"; exit 1; }
fi
if [ ! -x /usr/bin/chromium ]; then
  install chromium || { echo "could not install chromium" >&2; echo "0 passed, 1 failed"; exit 1; }
fi
if ! command -v node >/dev/null; then
  install nodejs || { echo "could not install nodejs" >&2; echo "0 passed, 1 failed"; exit 1; }
fi
if ! command -v npm >/dev/null; then
  install npm || { echo "could not install npm" >&2; echo "0 passed, 1 failed"; exit 1; }
fi

results="$(pwd)/TestResults"
rm -rf "$results"
mkdir -p "$results"
export IM_TEST_RESULTS="$results"

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
