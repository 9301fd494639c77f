#!/usr/bin/env bash
# Regenerates the JavaScript SDK's protocol tables (sdk/js/src/protocol.g.js, also loaded by the web page) from Protocol/im.proto,
# the command table and the result codes. Run it after changing any of them; a test fails while it is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run --project tools/WebCodecGen -- "$(pwd)"
