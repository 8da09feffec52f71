#!/usr/bin/env bash
# records list by two versions of custos side by side (issue 15, item 4):
# the typed result writer against the positional rows it replaced, over a
# catalogue of N records, in the streaming formats and a table, and with
# --due (one more column). Both binaries are copied the same way before
# timing; each figure is the median of RUNS runs, wall and CPU (user +
# sys), output to a file; the two outputs are compared byte for byte.
# Usage: bench/records-list-ab.sh OLD-COMMIT [N] [RUNS]   (default 200000, 5)
set -euo pipefail
old=${1:?usage: bench/records-list-ab.sh OLD-COMMIT [N] [RUNS]}
n=${2:-200000}
runs=${3:-5}
. "$(dirname "$0")/ab.sh"
export XDG_CONFIG_HOME=$out/cfg NO_COLOR=1
(cd "$repo" && CGO_ENABLED=0 go build -o "$out/gen" ./bench/gen)
db=$out/c.db
"$out/custos-new" --db "$db" init >/dev/null
"$out/gen" -db "$db" -accounts 0 -records "$n" -audit 0 2>/dev/null
"$out/custos-new" --db "$db" records retain voice --for 3y >/dev/null 2>&1 || true

# median RUNS CMD...: "wall cpu" medians in seconds.
median() {
	local i w=() c=()
	for i in $(seq 1 "$runs"); do
		read -r e u s < <({ /usr/bin/time -f '%e %U %S' "$@" >"$out/null"; } 2>&1 | tail -1)
		w+=("$e") c+=("$(echo "$u + $s" | bc)")
	done
	echo "$(printf '%s\n' "${w[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p") $(printf '%s\n' "${c[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")"
}

echo "median of $runs runs over $n records, seconds   old wall  old cpu   new wall  new cpu   new/old (wall, cpu)"
for args in "-o jsonl" "-o json" "-o csv" "-o table" "--due -o jsonl"; do
	# shellcheck disable=SC2086
	"$out/custos-old" --db "$db" records list $args >"$out/old.out"
	# shellcheck disable=SC2086
	"$out/custos-new" --db "$db" records list $args >"$out/new.out"
	cmp -s "$out/old.out" "$out/new.out" || { echo "records list $args: outputs differ" >&2; exit 1; }
	# shellcheck disable=SC2086
	read -r ow oc < <(median "$out/custos-old" --db "$db" records list $args)
	# shellcheck disable=SC2086
	read -r nw nc < <(median "$out/custos-new" --db "$db" records list $args)
	printf '%-46s %8s %8s   %8s %8s   %5.2fx %5.2fx   (%s bytes, identical)\n' "records list $args" "$ow" "$oc" "$nw" "$nc" \
		"$(echo "$nw / $ow" | bc -l)" "$(echo "$nc / $oc" | bc -l)" "$(wc -c <"$out/new.out")"
done
