#!/usr/bin/env bash
# Regenerates the web client's protocol tables (Gateway/wwwroot/js/protocol.g.js) from Protocol/im.proto,
# the command table and the result codes. Run it after changing any of them; a test fails while it is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run --project tools/WebCodecGen -- "$(pwd)"
