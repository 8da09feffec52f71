#!/usr/bin/env bash
# Figure 4 alone: audit verify over a log of N entries (default
# 10,000,000), three runs, beside the raw SHA-256 rate of the same
# canonical encodings. The store holds the log and nothing else, so it
# generates in about 5 minutes and 4.7 GB at full size, in $TMPDIR.
# Usage: bench/verify.sh [N]
n=${1:-10000000}
. "$(dirname "$0")/setup.sh" cmd/custos bench/gen
c="$out/custos --db $out/log.db"
$c init >/dev/null
"$out/gen" -db "$out/log.db" -accounts 0 -grants-per-account 0 -records 0 -audit "$n" 2>/dev/null
cat "$out/log.db" >/dev/null # read from the page cache, as on a warm server
for i in 1 2 3; do
	t0=$(date +%s.%N); v=$($c audit verify); t1=$(date +%s.%N); t=$(echo "$t1 - $t0" | bc)
	e=$(echo "$v" | sed 's/.*intact: \([0-9]*\) entries.*/\1/')
	echo "audit verify of $e entries: $t s, $(echo "$e / $t" | bc) entries/s"
done
echo "SHA-256 alone over the same encodings: $("$out/gen" -db "$out/log.db" -hashrate 1000000 2>/dev/null) entries/s on one core"
echo "cores: $(nproc)"
