#!/usr/bin/env bash
# A longer fuzzing pass than the test suite's: the frame reader and every body parser behind a running gateway
# (both transports, broken framing, hostile bodies, bystanders chatting), one seed after another until the time is
# up. A failure stops at once and prints the seed; repeat it with IM_FUZZ_SEED=<seed> scripts/fuzz.sh --minutes 0.
#   scripts/fuzz.sh [--minutes 10] [--cases 500000]
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=10
cases=500000
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --cases) cases=$2; shift 2 ;;
    *) echo "usage: scripts/fuzz.sh [--minutes M] [--cases N]" >&2; exit 2 ;;
  esac
done

dotnet build tests/OrleansIm.Tests -v q -nologo >/dev/null
deadline=$(( $(date +%s) + ${minutes%.*} * 60 ))
seed=${IM_FUZZ_SEED:-$(date +%s)}
runs=0
while :; do
  echo "== seed $seed, $cases cases"
  if ! IM_FUZZ_SEED=$seed IM_FUZZ_CASES=$cases dotnet test tests/OrleansIm.Tests --no-build \
      --filter "FullyQualifiedName~OrleansIm.Tests.Fuzz" --logger "console;verbosity=detailed" 2>&1 \
      | grep -E "frame reader:|socket fuzz|Failed |Error Message|Passed!|Failed!" ; then
    echo "fuzzing failed with seed $seed (repeat: IM_FUZZ_SEED=$seed scripts/fuzz.sh --minutes 0 --cases $cases)" >&2
    exit 1
  fi
  runs=$((runs + 1))
  [ "$(date +%s)" -ge "$deadline" ] && break
  seed=$((seed + 1))
done
echo "$runs fuzzing run(s) of $cases cases each"
