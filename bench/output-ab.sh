#!/usr/bin/env bash
# List output by two versions of custos beside the sqlite3 shell (issue 17,
# item 4): `account list -o json` over N accounts against `sqlite3 -json` of
# the same columns, and `access review export -o csv` over the campaign of
# all their grants (10 per account) against `sqlite3 -csv`. Both custos
# binaries and sqlite3 are copied the same way before timing; each figure
# is the median of RUNS runs, wall and CPU (user + sys), output to
# /dev/null. The two custos outputs are compared byte for byte.
# Usage: bench/output-ab.sh OLD-COMMIT [N] [RUNS]   (default 100000, 5)
set -euo pipefail
old=${1:?usage: bench/output-ab.sh OLD-COMMIT [N] [RUNS]}
n=${2:-100000}
runs=${3:-5}
. "$(dirname "$0")/ab.sh"
export XDG_CONFIG_HOME=$out/cfg NO_COLOR=1
(cd "$repo" && CGO_ENABLED=0 go build -o "$out/gen" ./bench/gen)
cp "$(command -v sqlite3)" "$out/sqlite3"
db=$out/c.db
"$out/custos-new" --db "$db" init >/dev/null
"$out/gen" -db "$db" -accounts "$n" -records 0 -audit 0 2>/dev/null
"$out/custos-new" --db "$db" access review start q4 >/dev/null

acols="username, name, employee_id, department, position, email, type, until, clearance, state,
	must_change_password, agreement_ref, reason, requested_by, requested_at, updated_at, state_reason,
	incident, requested_by_real"
aq="SELECT $acols FROM accounts ORDER BY username"
rq="SELECT r.name AS campaign, i.id AS item, i.reviewer, i.username, i.name, i.department, i.resource,
	i.role, i.classification, i.until, i.flags, i.decision, i.reason
	FROM review_items i JOIN reviews r ON r.id = i.review_id WHERE r.name = 'q4' ORDER BY i.id"

# median RUNS CMD...: "wall cpu" medians in seconds.
median() {
	local i w=() c=()
	for i in $(seq 1 "$runs"); do
		read -r e u s < <({ /usr/bin/time -f '%e %U %S' "$@" >/dev/null; } 2>&1 | tail -1)
		w+=("$e") c+=("$(echo "$u + $s" | bc)")
	done
	echo "$(printf '%s\n' "${w[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p") $(printf '%s\n' "${c[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")"
}
row() { # label reference-wall reference-cpu wall cpu
	printf '%-40s %7s %7s   %5.2fx %5.2fx\n' "$1" "$4" "$5" "$(echo "$4 / $2" | bc -l)" "$(echo "$5 / $3" | bc -l)"
}

for f in json csv; do
	"$out/custos-old" --db "$db" account list -o $f >"$out/old.$f"
	"$out/custos-new" --db "$db" account list -o $f >"$out/new.$f"
	cmp "$out/old.$f" "$out/new.$f" && echo "account list -o $f: identical ($(wc -c <"$out/new.$f") bytes)"
done
"$out/custos-old" --db "$db" access review export q4 -o csv >"$out/old.review"
"$out/custos-new" --db "$db" access review export q4 -o csv >"$out/new.review"
cmp "$out/old.review" "$out/new.review" && echo "access review export -o csv: identical ($(wc -c <"$out/new.review") bytes)"

echo "median of $runs runs, seconds             wall     cpu    vs sqlite3 (wall, cpu)"
read -r rw rc < <(median "$out/sqlite3" -json "$db" "$aq")
row "sqlite3 -json ($n accounts)" "$rw" "$rc" "$rw" "$rc"
for b in old new; do
	read -r w c < <(median "$out/custos-$b" --db "$db" account list -o json)
	row "custos-$b account list -o json" "$rw" "$rc" "$w" "$c"
done
read -r rw rc < <(median "$out/sqlite3" -csv -header "$db" "$rq")
row "sqlite3 -csv ($((n * 10)) items)" "$rw" "$rc" "$rw" "$rc"
for b in old new; do
	read -r w c < <(median "$out/custos-$b" --db "$db" access review export q4 -o csv)
	row "custos-$b access review export -o csv" "$rw" "$rc" "$w" "$c"
done
