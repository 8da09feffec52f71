#!/usr/bin/env bash
# What an approved purge plan costs against the direct purge it replaces,
# and what the records' subject index (for look-ups and subject holds)
# costs at intake: two versions of custos side by side, each binary copied
# the same way. Each imports the same CSV (2N rows, N due under voice 3y)
# into a store of its own; OLD purges directly, NEW purges directly (policy
# records.purge_approval none) and through a plan (--plan, an approval,
# --apply) on a second store. Usage: bench/plan-ab.sh OLD-COMMIT [N]
# (default N 1000000). Prints times and peak RSS.
set -euo pipefail
old=${1:?usage: bench/plan-ab.sh OLD-COMMIT [N]}
n=${2:-1000000}
. "$(dirname "$0")/ab.sh"
awk -v n="$n" 'BEGIN{print "class,created,subject,location"; for(i=0;i<2*n;i++){ y=(i<n)?2019:2026; d=int(i*365/n)%365; printf "voice,%d-%02d-%02dT%02d:%02d:%02dZ,s%d,/srv/calls/%d.wav\n", y,int(d/31)%12+1,d%28+1,i%24,i%60,i%60,i%500,i }}' > "$out/r.csv"
timed() { # label, command…: prints "label: wall s, peak RSS MB"
	local label=$1; shift
	local r
	r=$({ /usr/bin/time -f '%e %M' "$@" >/dev/null; } 2>&1 | tail -1)
	echo "$label: ${r% *} s, peak RSS $((${r#* } / 1024)) MB"
}
setup() { # binary, store dir
	rm -rf "$2"; mkdir -p "$2/arch"
	"$1" --db "$2/c.db" init >/dev/null
	"$1" --db "$2/c.db" records retain voice --for 3y >/dev/null
	timed "  import of $((2 * n)) rows" "$1" --db "$2/c.db" records import "$out/r.csv"
	sqlite3 "$2/c.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
}
for b in old new; do
	echo "$b, direct purge:"
	setup "$out/custos-$b" "$out/st-$b"
	"$out/custos-$b" --db "$out/st-$b/c.db" policy set records.purge_approval none >/dev/null 2>&1 || true
	timed "  purge of $n" "$out/custos-$b" --db "$out/st-$b/c.db" records purge --archive "$out/st-$b/arch" --yes
done
echo "new, through a plan:"
c=$out/custos-new
st=$out/st-plan
setup "$c" "$st"
"$c" --db "$st/c.db" operator add ines --role it >/dev/null
"$c" --db "$st/c.db" operator add olivia --role officer >/dev/null
"$c" --db "$st/c.db" policy set approval.proxy allow >/dev/null
timed "  records purge --plan ($n)" "$c" --db "$st/c.db" --as ines records purge --plan --reason bench
timed "  request approve" "$c" --db "$st/c.db" --as olivia request approve REQ-$(date -u +%Y)-0001
timed "  records purge --apply ($n)" "$c" --db "$st/c.db" records purge --apply "REQ-$(date -u +%Y)-0001" --archive "$st/arch" --yes
