#!/usr/bin/env bash
# Multi-server acceptance (issue 6): two `bin/pneumatic serve` processes on one
# fresh PostgreSQL database, concurrent runs and racing completions through
# both, a delayed task per workflow and webhooks to a local receiver; see
# internal/clustertest. Bounded to 170 s; the servers are stopped and the
# database dropped whatever happens.
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOFLAGS="${GOFLAGS:-} -mod=mod"
PG_BASE="${PNEUMATIC_PG_BASE:-postgres://postgres@127.0.0.1:5432}"
DB="pneumatic_multiserver_$$"
WORK="$(mktemp -d)"

cleanup() {
  # Only the servers this run started (their pids are in our pid file).
  if [ -f "$WORK/pids" ]; then
    while read -r pid; do kill -TERM "$pid" 2>/dev/null || true; done <"$WORK/pids"
    sleep 1
    while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done <"$WORK/pids"
  fi
  psql "$PG_BASE/postgres?sslmode=disable" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

[ -x bin/pneumatic ] || go build -o bin/pneumatic ./cmd/pneumatic
psql "$PG_BASE/postgres?sslmode=disable" -qc "CREATE DATABASE $DB" >/dev/null

status=0
PNEUMATIC_CLUSTER_BINARY="$PWD/bin/pneumatic" \
PNEUMATIC_CLUSTER_DATABASE_URL="$PG_BASE/$DB?sslmode=disable" \
PNEUMATIC_CLUSTER_WORKDIR="$WORK" \
PNEUMATIC_CLUSTER_PIDFILE="$WORK/pids" \
  timeout -k 5 170 go test -count=1 -timeout 160s -v -run '^TestTwoServers$' ./internal/clustertest/ || status=$?
if [ "$status" -ne 0 ]; then
  for log in "$WORK"/server-*.log; do
    [ -f "$log" ] || continue
    echo "--- $(basename "$log") (last lines)"
    tail -n 40 "$log"
  done
fi
exit "$status"
