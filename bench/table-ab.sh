#!/usr/bin/env bash
# Table output by two versions of custos, side by side (the listing
# issue, item 3): peak RSS, wall time and the time to the first line of the
# default table of `account list` over N accounts, `access list` over their
# grants (10 each) and `records list --due --class text` over R records (a
# third of them text, nine in ten of those due under a 1-year schedule),
# piped, and `account list` on a terminal (through script(1)'s
# pseudo-terminal). Both binaries are built and copied the same way before
# timing (bench/ab.sh); each figure is the best of RUNS runs, output to
# /dev/null. The piped tables must have the same number of lines; a first
# block that differs is reported (the old table sized its columns by every
# row, so wider rows further down widened the first ones too).
# Usage: bench/table-ab.sh OLD-COMMIT [N] [R] [RUNS]   (default 100000, 1000000, 3)
set -euo pipefail
old=${1:?usage: bench/table-ab.sh OLD-COMMIT [N] [R] [RUNS]}
n=${2:-100000}
r=${3:-1000000}
runs=${4:-3}
. "$(dirname "$0")/ab.sh"
export XDG_CONFIG_HOME=$out/cfg NO_COLOR=1
# The table, not a pager: a terminal listing longer than the screen pages.
export CUSTOS_PAGER=cat
(cd "$repo" && CGO_ENABLED=0 go build -o "$out/gen" ./bench/gen)
db=$out/c.db
"$out/custos-new" --db "$db" init >/dev/null
"$out/gen" -db "$db" -accounts "$n" -records "$r" -audit 0 2>/dev/null
"$out/custos-new" --db "$db" records retain text --for 1y >/dev/null
sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null

# best CMD...: "seconds rss-MB" of the fastest of $runs runs.
best() {
	local b="" m="" i t
	for i in $(seq "$runs"); do
		t=$({ /usr/bin/time -f '%e %M' "$@" >/dev/null; } 2>&1 | tail -1)
		if [ -z "$b" ] || [ "$(echo "${t% *} < $b" | bc)" = 1 ]; then b=${t% *} m=${t#* }; fi
	done
	echo "$b $((m / 1024))"
}
# first CMD...: milliseconds from start to the first line on the pipe, best of $runs.
first() {
	local b="" i t0 t1
	for i in $(seq "$runs"); do
		t0=$(date +%s%N)
		t1=$("$@" | { IFS= read -r _; date +%s%N; cat >/dev/null; })
		t1=$(((t1 - t0) / 1000000))
		if [ -z "$b" ] || [ "$t1" -lt "$b" ]; then b=$t1; fi
	done
	echo "$b"
}

printf '%-40s %9s %24s %24s\n' "piped table" rows "before: s, MB, first ms" "after: s, MB, first ms"
while IFS= read -r q; do
	"$out/custos-old" --db "$db" $q >"$out/old.txt"
	"$out/custos-new" --db "$db" $q >"$out/new.txt"
	lines=$(wc -l <"$out/new.txt")
	[ "$lines" = "$(wc -l <"$out/old.txt")" ] || { echo "$q: $(wc -l <"$out/old.txt") lines before, $lines after" >&2; exit 1; }
	cmp -s <(head -257 "$out/old.txt") <(head -257 "$out/new.txt") || echo "$q: the first block differs (wider rows later on)" >&2
	read -r os om <<<"$(best "$out/custos-old" --db "$db" $q)"
	of=$(first "$out/custos-old" --db "$db" $q)
	read -r ns nm <<<"$(best "$out/custos-new" --db "$db" $q)"
	nf=$(first "$out/custos-new" --db "$db" $q)
	printf '%-40s %9s %10s %5s %7s %10s %5s %7s\n' "$q" "$((lines - 1))" "$os" "$om" "$of" "$ns" "$nm" "$nf"
done <<'QUERIES'
account list
account list -o json
access list
records list --due --class text
QUERIES

echo "account list on a terminal (script -q), best of $runs: seconds, peak RSS MB"
for b in old new; do
	read -r s m <<<"$(best script -qec "$out/custos-$b --db $db account list" /dev/null)"
	echo "custos-$b: $s s, $m MB"
done
