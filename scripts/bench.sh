#!/usr/bin/env bash
# Regenerates BENCHMARKS.md with one command: builds the server and the load
# tool, runs the tool on SQLite and on PostgreSQL (a mixed phase, then each
# operation alone, at concurrency 16 for 60 s each, then the floor on the
# same database, 3 times for a median), the scale check (10,000 against
# 1,000,000 workflows, or 200,000 when seeding a million would not fit the
# time budget, which the report then says), and writes the report with the
# machine described. About 35 minutes on 2 cores.
#
# Settings (environment): BENCH_DURATION (60s), BENCH_CONCURRENCY (16),
# BENCH_SEED (100000 workflows seeded before the load), BENCH_FLOOR_RUNS (3),
# BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable;
# "none" skips PostgreSQL), BENCH_SCALE_BIG (1000000), BENCH_SCALE_BUDGET
# (10m: the longest seeding of the big database), BENCH_SCALE_FALLBACK
# (200000), BENCH_OUT (BENCHMARKS.md), BENCH_SERVER_ENV (extra KEY=VALUE
# settings of the server, space-separated, e.g. PNEUMATIC_SQLITE_SYNCHRONOUS=NORMAL).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${BENCH_DURATION:-60s}
CONC=${BENCH_CONCURRENCY:-16}
SEED=${BENCH_SEED:-100000}
FLOOR_RUNS=${BENCH_FLOOR_RUNS:-3}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
SCALE_BIG=${BENCH_SCALE_BIG:-1000000}
SCALE_BUDGET=${BENCH_SCALE_BUDGET:-10m}
SCALE_FALLBACK=${BENCH_SCALE_FALLBACK:-200000}
OUT=${BENCH_OUT:-BENCHMARKS.md}
PHASES=mixed,run,complete,inbox,detail,list

# The JSON results, the tool's output and the servers' CPU profiles stay in
# bin/bench (ignored by git) for a closer look: go tool pprof bin/bench/sqlite/run.pprof
work=bin/bench
rm -rf "$work"
mkdir -p "$work/sqlite" "$work/postgres"
echo "bench: results in $work" >&2

go build -o bin/pneumatic ./cmd/pneumatic
go build -o bin/pneumatic-load ./cmd/pneumatic-load

server_env=()
for kv in ${BENCH_SERVER_ENV:-}; do server_env+=(--server-env "$kv"); done

common=(--binary bin/pneumatic --concurrency "$CONC" --duration "$DURATION" --phases "$PHASES"
  --seed-workflows "$SEED" --floor-runs "$FLOOR_RUNS" --pprof "${server_env[@]}")

results=()
bin/pneumatic-load "${common[@]}" --profile-dir "$work/sqlite" --label SQLite --out "$work/sqlite.json" | tee "$work/sqlite.txt"
results+=("$work/sqlite.json")

notes=()
if [ "$PG_URL" != none ]; then
  if bin/pneumatic-load "${common[@]}" --profile-dir "$work/postgres" --label PostgreSQL --database-url "$PG_URL" --out "$work/postgres.json" | tee "$work/postgres.txt"; then
    results+=("$work/postgres.json")
    # Vacuum settings move PostgreSQL's figures (dead row versions of the
    # constantly updated rows); say what the measured server ran with.
    if command -v psql >/dev/null; then
      av=$(psql "$PG_URL" -Atc "SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) FROM pg_settings WHERE name IN ('autovacuum', 'autovacuum_naptime', 'shared_buffers', 'synchronous_commit')" 2>/dev/null || true)
      [ -n "$av" ] && notes+=(--note "PostgreSQL settings of the measured server: $av (shared_buffers in 8 kB pages).")
    fi
  else
    notes+=(--note "The PostgreSQL run failed ($PG_URL); see the tool's output.")
  fi
fi

bin/pneumatic-load --binary bin/pneumatic --scale --scale-small 10000 --scale-big "$SCALE_BIG" \
  --scale-budget "$SCALE_BUDGET" --scale-fallback "$SCALE_FALLBACK" --label "SQLite" "${server_env[@]}" \
  --out "$work/scale.json" | tee "$work/scale.txt"
results+=("$work/scale.json")

bin/pneumatic-load report -o "$OUT" --command scripts/bench.sh "${notes[@]}" "${results[@]}"
echo "bench: wrote $OUT" >&2
