#!/usr/bin/env bash
# Contract check: schemathesis (PyPI, in a virtualenv) against a real `cqs serve`, signed in as
# the demo system administrator: no 5xx, every response conforms to /openapi.json.
# Usage: Tests/contract/run.sh PATH_TO_CQS_BINARY
set -euo pipefail
binary="$1"
work=$(mktemp -d /tmp/cqs-contract.XXXXXX)
venv=${CQS_CONTRACT_VENV:-/tmp/cqs-schemathesis-venv}
[ -x "$venv/bin/st" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q schemathesis; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
CQS_DATABASE_URL="$work/cqs.sqlite" CQS_HTTP_PORT="$port" CQS_BCRYPT_COST=4 CQS_LOG_LEVEL=error "$binary" serve >/dev/null 2>"$work/server.log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.5; done
token=$(curl -s -X POST "http://127.0.0.1:$port/api/v1/auth/token" -H 'content-type: application/json' \
  -d '{"username":"admin","password":"DongNai2026demo"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
set +e
"$venv/bin/st" run "http://127.0.0.1:$port/openapi.json" -H "Authorization: Bearer $token" \
  --checks not_a_server_error,response_schema_conformance --max-examples 20 --exclude-path-regex "callback|sandbox" \
  --seed 20261129 -w 2 > "$work/st.log" 2>&1
status=$?
set -e
tail -n 25 "$work/st.log"
cases=$(grep -Eo '[0-9]+ generated, [0-9]+ passed' "$work/st.log" | tail -1 | awk '{print $3}')
if [ "$status" -eq 0 ]; then echo "contract: ${cases:-0} passed, 0 failed"; else echo "contract: ${cases:-0} passed, 1 failed"; exit 1; fi
