#!/usr/bin/env bash
# How long other commands wait behind a bulk import: imports N records
# (default 500,000) into a fresh store while an `operator add` runs every
# 200 ms alongside, and prints how many probes ran, the slowest one's wall
# time and how many failed (exit 7 = gave up waiting for the write lock).
#
#   bench/lockwait.sh BINARY [N] [DB]
#
# DB defaults to a new SQLite file; give a postgres:// URL of an empty
# database (C collation) to measure PostgreSQL. Copy every binary the same
# way (cp to /tmp) before comparing two.
set -euo pipefail
bin=$1
n=${2:-500000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db=${3:-$work/custos.db}
python3 -c "
print('class,created_at,subject')
for i in range($n): print(f'voice,2020-01-01T00:00:00Z,s{i}')" >"$work/records.csv"
"$bin" --db "$db" init >/dev/null
"$bin" --db "$db" records retain voice --for 3y >/dev/null
"$bin" --db "$db" records import "$work/records.csv" >"$work/import.out" 2>&1 &
import=$!
sleep 0.3
probes=0 slowest=0 failed=0
while kill -0 "$import" 2>/dev/null; do
  start=$(date +%s%N)
  "$bin" --db "$db" operator add "probe$probes" --role it >/dev/null 2>&1 || failed=$((failed + 1))
  ms=$((($(date +%s%N) - start) / 1000000))
  [ "$ms" -gt "$slowest" ] && slowest=$ms
  probes=$((probes + 1))
  sleep 0.2
done
wait "$import"
echo "$bin: $probes probes, slowest ${slowest} ms, $failed failed; $(tail -1 "$work/import.out")"
