#!/usr/bin/env bash
# Runs every example of the seed (examples/python/*.py) against a fresh
# server built from this repository, in an order that passes ids from one to
# the next: a script prints NAME=value lines, which are exported for the
# scripts after it. Any non-2xx answer or exception fails the run. A local
# receiver checks that the webhooks subscribe.py asked for arrive, signed.
#
#   bash examples/python/run_all.sh          (needs bin/pneumatic: go build -o bin/pneumatic ./cmd/pneumatic)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${PNEUMATIC_BIN:-$here/../../bin/pneumatic}"
[ -x "$bin" ] || { echo "no server binary at $bin (go build -o bin/pneumatic ./cmd/pneumatic)" >&2; exit 1; }

tmp="$(mktemp -d)"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="$(free_port)"
hook_port="$(free_port)"
key="pn-$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
server_pid="" receiver_pid=""

cleanup() {
  status=$?
  # Only the processes this script started.
  [ -n "$receiver_pid" ] && kill "$receiver_pid" 2>/dev/null || true
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ]; then
    echo "--- FAILED; the server's log ends:" >&2
    tail -n 20 "$tmp/server.log" >&2 || true
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT

PNEUMATIC_ADDR="127.0.0.1:$port" PNEUMATIC_DATA_DIR="$tmp/data" PNEUMATIC_BOOTSTRAP_API_KEY="$key" \
  PNEUMATIC_WEBHOOK_ALLOW_PRIVATE=true "$bin" serve >"$tmp/server.log" 2>&1 &
server_pid=$!

export PNEUMATIC_BASE_URL="http://127.0.0.1:$port"
export PNEUMATIC_API_KEY="$key"
python3 - <<'PY'
import os, time, urllib.request
for _ in range(100):
    try:
        if urllib.request.urlopen(os.environ['PNEUMATIC_BASE_URL'] + '/healthz', timeout=1).status == 200:
            break
    except OSError:
        time.sleep(0.1)
else:
    raise SystemExit('the server did not become ready')
PY

# The receiver verifies signatures with the account's secret.
PNEUMATIC_WEBHOOK_SECRET="$(python3 -c '
import os, requests
r = requests.get(os.environ["PNEUMATIC_BASE_URL"] + "/webhooks/secret",
                 headers={"Authorization": "Bearer " + os.environ["PNEUMATIC_API_KEY"]})
r.raise_for_status()
print(r.json()["secret"])')" python3 "$here/webhook_receiver.py" "$hook_port" "$tmp/hooks.jsonl" >"$tmp/receiver.log" 2>&1 &
receiver_pid=$!

ran=0
run() {
  local script=$1 out line
  echo "== $script"
  out="$(cd "$here" && python3 "$script")"
  echo "$out" | sed 's/^/   /'
  while IFS= read -r line; do
    if [[ $line =~ ^([A-Z_]+)=([A-Za-z0-9_.,:/-]*)$ ]]; then
      export "${BASH_REMATCH[1]}=${BASH_REMATCH[2]}"
    fi
  done <<<"$out"
  ran=$((ran + 1))
}

run authentication.py          # USER_ID
run list_users.py
run webhook_events.py
export EVENT_NAME=workflow_started SUBSCRIPTION_URL="http://127.0.0.1:$hook_port/hooks"
run subscribe.py
run webhook_event.py
run subscribe_all.py            # every event to the same URL
run create_template.py          # TEMPLATE_ID
run get_templates.py
run get_template.py             # selection ids
run upload_attachment.py        # ATTACHMENT_ID
run publish_attachment.py
run run_workflow.py             # WORKFLOW_ID
run list_tasks.py               # TASK_ID
run get_task.py
run check_off.py
run complete_task.py            # task 1
run complete_task.py            # task 2: the workflow is done
[ "$WORKFLOW_STATUS" = 1 ] || { echo "the workflow is not done (status $WORKFLOW_STATUS)" >&2; exit 1; }
run workflow_fields.py
[ "$DONE_WORKFLOWS" -ge 1 ] || { echo "/workflows/fields lists no done workflow" >&2; exit 1; }

echo "== webhooks received"
python3 - "$tmp/hooks.jsonl" <<'PY'
import collections, json, os, sys, time
want = {'workflow_started': 1, 'task_completed_v2': 2, 'workflow_completed': 1}
deadline = time.time() + 60
while True:
    seen = collections.Counter()
    if os.path.exists(sys.argv[1]):
        for line in open(sys.argv[1]):
            record = json.loads(line)
            assert record['verified'], f"bad signature on {record['event']}"
            seen[record['event']] += 1
    if all(seen[e] >= n for e, n in want.items()):
        break
    if time.time() > deadline:
        raise SystemExit(f'webhooks: got {dict(seen)}, want {want}')
    time.sleep(0.2)
print('   ' + ', '.join(f'{e} x{n}' for e, n in sorted(seen.items())) + ', all signed')
PY

run unsubscribe.py
run unsubscribe_all.py
run webhook_events.py           # every url null again
echo "ok: $ran example runs against $PNEUMATIC_BASE_URL"
