#!/usr/bin/env bash
# How long other commands wait behind a bulk command: while it runs, an
# `operator add` runs every 200 ms alongside, and the script prints how
# many probes ran, the slowest one's wall time and how many failed (exit
# 7 = gave up waiting for the write lock).
#
#   bench/lockwait.sh BINARY [N] [DB]          # records import of N records (default 500,000)
#   bench/lockwait.sh review BINARY [N] [DB]   # access review start, import, close over N grants (default 1,000,000)
#
# The review mode builds the store with bench/gen (N/10 accounts with 10
# grants each, no records, no audit entries), then drives, one after the
# other: `access review start`, `access review import` of a sheet deciding
# every item revoke (as the admin, on the reviewers' behalf), and
# `access review close`; each is probed separately.
#
# DB defaults to a new SQLite file; give a postgres:// URL of an empty
# database (C collation) to measure PostgreSQL. Copy every binary the same
# way (cp to /tmp) before comparing two.
set -euo pipefail
mode=records
if [ "${1:-}" = review ]; then
  mode=review
  shift
fi
bin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
here=$(cd "$(dirname "$0")" && pwd)

# probe LABEL CMD...: runs CMD in the background and probes until it ends.
probe() {
  local label=$1
  shift
  "$@" >"$work/bulk.out" 2>&1 &
  local bulk=$!
  sleep 0.3
  local probes=0 slowest=0 failed=0 start ms
  while kill -0 "$bulk" 2>/dev/null; do
    start=$(date +%s%N)
    "$bin" --db "$db" operator add "probe$seq" --role it >/dev/null 2>&1 || failed=$((failed + 1))
    ms=$((($(date +%s%N) - start) / 1000000))
    [ "$ms" -gt "$slowest" ] && slowest=$ms
    probes=$((probes + 1))
    seq=$((seq + 1))
    sleep 0.2
  done
  local rc=0
  wait "$bulk" || rc=$?
  echo "$bin $label: $probes probes, slowest ${slowest} ms, $failed failed; exit $rc: $(tail -1 "$work/bulk.out")"
}
seq=0

if [ "$mode" = records ]; then
  n=${2:-500000}
  db=${3:-$work/custos.db}
  python3 -c "
print('class,created_at,subject')
for i in range($n): print(f'voice,2020-01-01T00:00:00Z,s{i}')" >"$work/records.csv"
  "$bin" --db "$db" init >/dev/null
  "$bin" --db "$db" records retain voice --for 3y >/dev/null
  probe "records import $n" "$bin" --db "$db" records import "$work/records.csv"
  exit
fi

n=${2:-1000000}
db=${3:-$work/custos.db}
"$bin" --db "$db" init >/dev/null
(cd "$here/.." && go run ./bench/gen -db "$db" -accounts $((n / 10)) -grants-per-account 10 -records 0 -audit 0 >/dev/null)
probe "review start $n" "$bin" --db "$db" access review start bench --due 2030-01-01
"$bin" --db "$db" access review export bench -o csv >"$work/export.csv"
python3 - "$work/export.csv" "$work/sheet.csv" <<'PY'
import csv, sys
with open(sys.argv[1], newline='') as f, open(sys.argv[2], 'w', newline='') as g:
    r = csv.DictReader(f)
    w = csv.DictWriter(g, fieldnames=r.fieldnames)
    w.writeheader()
    for row in r:
        row['decision'], row['reason'] = 'revoke', 'bench'
        w.writerow(row)
PY
probe "review import $n" "$bin" --db "$db" access review import bench "$work/sheet.csv"
probe "review close $n" "$bin" --db "$db" access review close bench --undecided revoke --yes
