#!/usr/bin/env bash
# custos at enterprise scale (SPEC §11): generates a store of 100,000
# accounts, 1,000,000 grants, 10,000,000 records and 10,000,000 audit
# entries, then measures with the real binary:
#   figure 4: audit verify over the whole log, beside the raw SHA-256 rate;
#   figure 5: peak RSS of records list -o jsonl over 1 M and 10 M records;
#   figure 6: access review start over the 1 M grants.
# Usage: bench/scale.sh [FACTOR]   FACTOR divides every size (default 1).
# Needs about 12 GB of free disk at full size, in $TMPDIR.
f=${1:-1}
. "$(dirname "$0")/setup.sh" cmd/custos bench/gen
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }
rss() { { /usr/bin/time -f %M "$@" >/dev/null; } 2>&1 | tail -1; }

accounts=$((100000 / f)) records=$((10000000 / f)) entries=$((10000000 / f))
big="$out/custos --db $out/big.db"
small="$out/custos --db $out/small.db"
$big init >/dev/null
$small init >/dev/null
t=$(secs "$out/gen" -db "$out/big.db" -accounts $accounts -records $records -audit $entries)
echo "generate: $accounts accounts, $((accounts * 10)) grants, $records records, $entries entries in $t s"
"$out/gen" -db "$out/small.db" -accounts 0 -records $((records / 10)) -audit 0 2>/dev/null

t0=$(date +%s.%N); v=$($big audit verify); t1=$(date +%s.%N); t=$(echo "$t1 - $t0" | bc)
n=$(echo "$v" | sed 's/.*intact: \([0-9]*\) entries.*/\1/')
sha=$("$out/gen" -db "$out/big.db" -hashrate 1000000 2>/dev/null)
echo "figure 4: audit verify of $n entries in $t s: $(echo "$n / $t" | bc) entries/s; SHA-256 alone over the same encodings: $sha entries/s"

echo "figure 5: records list -o jsonl peak RSS: $(( $(rss $small records list -o jsonl) / 1024 )) MB over $((records / 10)) records, $(( $(rss $big records list -o jsonl) / 1024 )) MB over $records"

t=$(secs $big access review start q4 --due 2099-01-01)
echo "figure 6: access review start over $((accounts * 10)) grants in $t s"
