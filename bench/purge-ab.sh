#!/usr/bin/env bash
# The purge without files by two versions of custos, side by side: each
# binary imports the same CSV (2N rows, N due under voice 3y) into a store
# of its own and purges it; both binaries are copied the same way before
# timing. Usage: bench/purge-ab.sh OLD-COMMIT [N] [ROUNDS]
# (default N 1000000, 2 rounds). Prints import and purge times and peak RSS.
set -euo pipefail
old=${1:?usage: bench/purge-ab.sh OLD-COMMIT [N] [ROUNDS]}
n=${2:-1000000}
rounds=${3:-2}
. "$(dirname "$0")/ab.sh"
awk -v n="$n" 'BEGIN{print "class,created,subject,location"; for(i=0;i<2*n;i++){ y=(i<n)?2019:2026; d=int(i*365/n)%365; printf "voice,%d-%02d-%02dT%02d:%02d:%02dZ,s%d,/srv/calls/%d.wav\n", y,int(d/31)%12+1,d%28+1,i%24,i%60,i%60,i%500,i }}' > "$out/r.csv"
for round in $(seq 1 "$rounds"); do
	for b in old new; do
		st=$out/st-$b
		rm -rf "$st" "$out/arch-$b"
		mkdir -p "$st" "$out/arch-$b"
		"$out/custos-$b" --db "$st/c.db" init >/dev/null
		"$out/custos-$b" --db "$st/c.db" records retain voice --for 3y >/dev/null
		t0=$(date +%s.%N)
		"$out/custos-$b" --db "$st/c.db" records import "$out/r.csv" >/dev/null
		t1=$(date +%s.%N)
		sqlite3 "$st/c.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
		r=$({ /usr/bin/time -f '%e %M' "$out/custos-$b" --db "$st/c.db" records purge --archive "$out/arch-$b" --yes >/dev/null; } 2>&1)
		echo "round $round $b: import of $((2 * n)) rows $(echo "$t1 - $t0" | bc) s; purge of $n: ${r% *} s, peak RSS $((${r#* } / 1024)) MB"
	done
done
