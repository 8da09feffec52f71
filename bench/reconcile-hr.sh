#!/usr/bin/env bash
# account reconcile --hr at enterprise scale (issue 19): 100,000 accounts
# (bench/gen: 10 grants each, every 7th frozen) against a roster of
# 100,000 people written here with awk: 1% leavers, 1% movers, 0.5% name
# mismatches, 100 accounts HR does not know and 500 people without an
# account. Reports wall time and peak RSS of the report and of --apply.
# Usage: bench/reconcile-hr.sh [FACTOR]   FACTOR divides the sizes (default 1).
f=${1:-1}
. "$(dirname "$0")/setup.sh" cmd/custos bench/gen
n=$((100000 / f))
db="$out/hr.db"
"$out/custos" --db "$db" init >/dev/null
"$out/gen" -db "$db" -accounts $n -grants-per-account 10 -records 0 -audit 0 2>/dev/null
awk -v n=$n 'BEGIN {
	print "employee-id,name,department,position,status,leave-date"
	for (a = 0; a < n; a++) {
		u = sprintf("u%07d", a); d = sprintf("dept%02d", a % 50); name = u; st = "active"; lv = ""
		if (a % 100 == 1) { st = "leaver"; lv = "2026-12-31" }
		else if (a % 100 == 2) d = sprintf("dept%02d", (a + 1) % 50)
		else if (a % 200 == 3) name = u " Smith"
		if (a % 1000 == 5) continue
		print u "," name "," d ",staff," st "," lv
	}
	for (a = 0; a < 500; a++) printf "N-%05d,New %d,dept01,staff,active,\n", a, a
}' > "$out/roster.csv"
for run in 1 2 3; do
	/usr/bin/time -f "report: %e s, %M KB peak RSS" "$out/custos" --db "$db" account reconcile --hr "$out/roster.csv" -o csv >"$out/report.csv"
done
echo "findings: $(($(wc -l <"$out/report.csv") - 1))"
/usr/bin/time -f "--apply: %e s, %M KB peak RSS" "$out/custos" --db "$db" account reconcile --hr "$out/roster.csv" --apply -o csv >/dev/null
