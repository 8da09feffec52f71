#!/bin/sh
# bench/review_import_time.sh BINARY TREE: the wall time of `access review import`
# of a sheet deciding all 200,000 items of a campaign revoke, alone (no
# probes); TREE is the checkout whose bench/gen builds the store.
set -e
bin=$1; here=$2; work=$(mktemp -d); db=$work/custos.db
"$bin" --db "$db" init >/dev/null
(cd "$here" && go run ./bench/gen -db "$db" -accounts 20000 -grants-per-account 10 -records 0 -audit 0 >/dev/null)
"$bin" --db "$db" access review start bench --due 2030-01-01 >/dev/null
"$bin" --db "$db" access review export bench -o csv | sed -e '1!s/,,$/,revoke,bench/' >"$work/sheet.csv"
s=$(date +%s%N)
"$bin" --db "$db" access review import bench "$work/sheet.csv"
echo "$bin import: $((($(date +%s%N) - s) / 1000000)) ms"
rm -rf "$work"
