#!/usr/bin/env bash
# The transparency log's costs on a log of N entries (default 10,000,000):
# building the Merkle tree of a generated log (what the migration does for
# an existing store), a signed checkpoint, audit prove of the first, a
# middle and the last entry, audit verify --since a checkpoint with a few
# entries appended after it, --from/--to, and the full audit verify. The
# store holds the log and nothing else (about 5.5 GB at full size), in
# $TMPDIR, or in $KEEP when set (kept, and reused when it has the log).
# Usage: bench/tlog.sh [N]
n=${1:-10000000}
. "$(dirname "$0")/setup.sh" cmd/custos bench/gen
dir=${KEEP:-$out}
mkdir -p "$dir"
c="$out/custos --db $dir/log.db"
t() { # t LABEL CMD...: runs CMD, prints its wall time
	local t0 t1
	t0=$(date +%s.%N); "${@:2}" >"$out/last.out"; t1=$(date +%s.%N)
	printf '%-46s %8.3f s\n' "$1" "$(echo "$t1 - $t0" | bc)"
}
if [ ! -f "$dir/log.db" ]; then
	$c init >/dev/null
	t "generate $n entries (tree built per batch)" "$out/gen" -db "$dir/log.db" -accounts 0 -grants-per-account 0 -records 0 -audit "$n"
fi
$c policy set audit.origin bench.example.org/audit >/dev/null
rm -f "$out/log.key"
$c audit keygen --name bench.example.org/audit --out "$out/log.key" >"$out/log.vkey" 2>/dev/null
export CUSTOS_AUDIT_SIGNING_KEY=$out/log.key
cat "$dir/log.db" >/dev/null # warm, as on a server
t "audit checkpoint (signed)" $c audit checkpoint --out "$out/cp1.txt"
size=$(sed -n 2p "$out/cp1.txt")
echo "checkpoint size: $size entries"
for seq in 1 $((size / 2)) "$size"; do
	t "audit prove $seq -o json" $c audit prove "$seq" --checkpoint "$out/cp1.txt" --vkey "$out/log.vkey" -o json
done
echo "proof hashes: $(sed -n '/inclusion_proof/,/]/p' "$out/last.out" | grep -c '=')"
for i in 1 2 3 4 5; do $c operator list >/dev/null; done
t "audit checkpoint (signed)" $c audit checkpoint --out "$out/cp2.txt"
t "audit verify --since (a few entries appended)" $c audit verify --since "$out/cp1.txt" --vkey "$out/log.vkey"
cat "$out/last.out"
t "audit verify --from --to" $c audit verify --from "$out/cp1.txt" --to "$out/cp2.txt" --vkey "$out/log.vkey"
t "audit verify --checkpoint (full walk)" $c audit verify --max-skew 0 --checkpoint "$out/cp2.txt" --vkey "$out/log.vkey"
cat "$out/last.out"
echo "store: $(du -h "$dir/log.db" | cut -f1)"
echo "cores: $(nproc)"
