#!/usr/bin/env bash
# Issue 17, items 1 and 2: the filtered audit log queries and the due
# listing with nothing due, timed side by side for two custos binaries over
# copies of one store (each binary gets its own copy, since a newer binary
# migrates the store it opens). Both binaries are copied with cp into the
# scratch directory first, so their pages reach the cache the same way.
# Usage: bench/queries.sh STORE BEFORE-BINARY [AFTER-BINARY] [RUNS]
#   STORE  a store built by bench/gen (see bench/scale.sh), with a
#          schedule for class text long enough that nothing is due
#          (custos records retain text --for 20y), checkpointed
#          (sqlite3 STORE 'PRAGMA wal_checkpoint(TRUNCATE)').
#   AFTER-BINARY defaults to this checkout's custos, built static.
# Prints, per query, the best wall time of RUNS (default 3) and its peak RSS.
set -euo pipefail
store=$1 before=$2 after=${3:-} runs=${4:-3}
. "$(dirname "$0")/setup.sh" cmd/custos
if [ -n "$after" ]; then cp "$after" "$out/after"; else cp "$out/custos" "$out/after"; fi
cp "$before" "$out/before"
cp "$store" "$out/before.db"
cp "$store" "$out/after.db"
"$out/after" --db "$out/after.db" audit log --limit 1 >/dev/null # migrate outside the timings

best() { # prints "seconds rss-MB" of the fastest of $runs runs
	local b="" m=""
	for _ in $(seq "$runs"); do
		local r
		if ! /usr/bin/time -o "$out/time" -f '%e %M' "$@" >/dev/null 2>"$out/err"; then
			echo "failed: $* ($(cat "$out/err"))" >&2
			exit 1
		fi
		r=$(tail -1 "$out/time")
		if [ -z "$b" ] || [ "$(echo "${r% *} < $b" | bc)" = 1 ]; then b=${r% *} m=${r#* }; fi
	done
	echo "$b $((m / 1024))"
}
printf '%-48s %18s %18s\n' query "before s (MB)" "after s (MB)"
while IFS= read -r q; do
	[ -z "$q" ] && continue
	read -r bs bm <<<"$(eval best "$out/before" --db "$out/before.db" "$q")"
	read -r as am <<<"$(eval best "$out/after" --db "$out/after.db" "$q")"
	printf '%-48s %12s (%3s) %12s (%3s)\n' "$q" "$bs" "$bm" "$as" "$am"
done <<'QUERIES'
audit log --operator ana --limit 50
audit log --command 'access grant' --limit 50
audit log --command account --limit 50
audit log --outcome denied --limit 50
audit log --operator nobody --command account --limit 50
audit log --operator ana --command 'access grant' --limit 50
audit log --since 2024-01-02 --until 2024-02-01 --operator nobody --command account --limit 50
audit log --since 2024-01-01 --limit 50
audit log --since 2024-01-01 --limit 0 -o csv
records list --due --class text
records list --due
QUERIES
