#!/usr/bin/env bash
# Typed results against positional rows (issue 15, item 4): the audit log
# and account commands of two versions of custos side by side, over N
# audit entries and N/10 accounts. Both binaries are built and copied the
# same way (bench/ab.sh); each figure is the median of RUNS runs, wall and
# CPU (user + sys), output to /dev/null. The two outputs of each command
# are compared byte for byte first.
# Usage: bench/results-ab.sh OLD-COMMIT [N] [RUNS]   (default 200000, 5)
set -euo pipefail
old=${1:?usage: bench/results-ab.sh OLD-COMMIT [N] [RUNS]}
n=${2:-200000}
runs=${3:-5}
. "$(dirname "$0")/ab.sh"
export XDG_CONFIG_HOME=$out/cfg NO_COLOR=1
(cd "$repo" && CGO_ENABLED=0 go build -o "$out/gen" ./bench/gen)
db=$out/c.db
"$out/custos-new" --db "$db" init >/dev/null
"$out/gen" -db "$db" -accounts $((n / 10)) -records 0 -audit "$n" 2>/dev/null

# median RUNS CMD...: "wall cpu" medians in seconds.
median() {
	local i w=() c=()
	for i in $(seq 1 "$runs"); do
		read -r e u s < <({ /usr/bin/time -f '%e %U %S' "$@" >/dev/null; } 2>&1 | tail -1)
		w+=("$e") c+=("$(echo "$u + $s" | bc)")
	done
	echo "$(printf '%s\n' "${w[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p") $(printf '%s\n' "${c[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")"
}

cmds=(
	"audit export -o jsonl"
	"audit export -o csv"
	"audit log --limit 0 -o json"
	"audit log --limit 0 -o wide"
	"account list -o json"
	"account list -o csv"
)
for c in "${cmds[@]}"; do
	# shellcheck disable=SC2086
	"$out/custos-old" --db "$db" $c >"$out/old.out"
	# shellcheck disable=SC2086
	"$out/custos-new" --db "$db" $c >"$out/new.out"
	# The entries the two runs add differ; compare what both saw.
	case $c in audit*) head -n "$n" "$out/old.out" >"$out/old.cut"; head -n "$n" "$out/new.out" >"$out/new.cut" ;;
	*) cp "$out/old.out" "$out/old.cut"; cp "$out/new.out" "$out/new.cut" ;; esac
	cmp -s "$out/old.cut" "$out/new.cut" && echo "$c: identical over $(wc -l <"$out/new.cut") lines" || echo "$c: DIFFERENT"
done
echo "median of $runs runs, seconds          old wall  old cpu  new wall  new cpu   new/old (wall, cpu)"
for c in "${cmds[@]}"; do
	# shellcheck disable=SC2086
	read -r ow oc < <(median "$out/custos-old" --db "$db" $c)
	# shellcheck disable=SC2086
	read -r nw nc < <(median "$out/custos-new" --db "$db" $c)
	printf '%-36s %8s %8s %9s %8s   %5.2fx %5.2fx\n' "$c" "$ow" "$oc" "$nw" "$nc" "$(echo "$nw / $ow" | bc -l)" "$(echo "$nc / $oc" | bc -l)"
done
