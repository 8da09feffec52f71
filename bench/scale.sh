#!/usr/bin/env bash
# custos at enterprise scale (SPEC §11, issue 17): every figure of issue 17,
# items 1-6, on one store of 100,000 accounts, 1,000,000 grants,
# 10,000,000 records and 10,000,000 audit entries, each beside its
# reference (the sqlite3 shell doing the same work, or the figure measured
# before the fix) and its goal, as one table.
#
# Usage: bench/scale.sh [STORE] [RUNS]
#   STORE  a store built by bench/gen at full size; default bench/out/big.db,
#          generated there once (about 12 min at best, 8 GB) and kept.
#          It is never written: custos records its reads, so every command
#          runs on a copy of it (cp --reflink=auto), removed at exit.
#   RUNS   runs per timed figure, of which the median is shown (default 3).
# Set SCALE_SKIP=lockwait,startup to leave out the figures that build
# stores of their own (item 5, about 10 min) or time 300 starts (item 6).
# Needs sqlite3 (the reference) and /usr/bin/time.
store=${1:-}
runs=${2:-3}
. "$(dirname "$0")/setup.sh" cmd/custos bench/gen bench/storeonly
root=$PWD
if [ -z "$store" ]; then
	store=$root/bench/out/big.db
	if [ ! -e "$store" ]; then
		mkdir -p "$root/bench/out"
		gen=$root/bench/out/big-generating.db # renamed when complete
		rm -f "$gen" "$gen-wal" "$gen-shm"
		"$out/custos" --db "$gen" init >/dev/null
		"$out/gen" -db "$gen" -accounts 100000 -records 10000000 -audit 10000000
		sqlite3 "$gen" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
		rm -f "$gen-wal" "$gen-shm"
		mv "$gen" "$store"
	fi
fi
skip=",${SCALE_SKIP:-},"

# Every contender is copied the same way before it is timed: a binary
# straight out of go build starts slower than the same bytes copied.
mkdir "$out/bin"
cp "$out/custos" "$out/bin/custos"
cp "$(command -v sqlite3)" "$out/bin/sqlite3"
c="$out/bin/custos"
sq="$out/bin/sqlite3"
db=$out/w.db
cp --reflink=auto "$store" "$db"
"$c" --db "$db" records retain text --for 20y >/dev/null # nothing of class text is due

# med CMD...: "wall cpu" medians of $runs runs in seconds, output discarded.
med() {
	local i w=() u=()
	for i in $(seq "$runs"); do
		/usr/bin/time -o "$out/time" -f '%e %U %S' "$@" >/dev/null 2>&1 || true
		read -r e us sy < <(tail -1 "$out/time")
		w+=("$e") u+=("$(echo "$us + $sy" | bc)")
	done
	echo "$(printf '%s\n' "${w[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p") $(printf '%s\n' "${u[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")"
}
# rss CMD...: peak RSS in MB of one run, output discarded.
rss() {
	/usr/bin/time -o "$out/time" -f %M "$@" >/dev/null 2>&1 || true
	echo $(($(tail -1 "$out/time") / 1024))
}
# first CMD...: seconds until the first 3 lines of output have arrived.
first() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" 2>/dev/null | head -n 3 >/dev/null || true
	t1=$(date +%s%N)
	echo "scale=3; ($t1 - $t0) / 1000000000" | bc
}
ratio() { echo "scale=2; $1 / $2" | bc; }

rows=()
row() { rows+=("$(printf '| %s | %s | %s | %s | %s |' "$@")"); echo "$1: $3" >&2; }

# Item 1: audit log filters with --limit 50, and the whole log paged.
while IFS='|' read -r q before; do
	read -r w _ < <(eval med "$c" --db "$db" "$q")
	row "1" "\`$q\`" "$w s" "$before" "≤ 0.05 s"
done <<'Q'
audit log --operator ana --limit 50|97.8 s before
audit log --command 'access grant' --limit 50|21.4 s before
audit log --command account --limit 50|19.1 s before
audit log --outcome denied --limit 50|5.6 s before
audit log --operator nobody --command account --limit 50|
audit log --operator ana --command 'access grant' --limit 50|
audit log --since 2024-01-01 --limit 50|
Q
entries=$("$sq" "$db" 'SELECT count(*) FROM audit_log')
row "1" "\`audit log --since 2016-01-01 --limit 0 -o jsonl\`, $entries entries: peak RSS" "$(rss "$c" --db "$db" audit log --since 2016-01-01 --limit 0 -o jsonl) MB" "" "flat"

# Item 2: the due listing, with nothing due.
read -r w _ < <(med "$c" --db "$db" records list --due --class text)
row "2" "\`records list --due --class text\`, nothing due" "$w s" "10.2 s before" "≤ 0.05 s"
read -r w _ < <(med "$c" --db "$db" records list --due)
row "2" "\`records list --due\` (text scheduled, nothing due)" "$w s" "" "O(due)"

# Item 3: tables stream: memory and the first row.
text=$("$sq" "$db" "SELECT count(*) FROM records WHERE class = 'text'")
row "3" "\`records list --class text\` (table, $text rows): peak RSS" "$(rss "$c" --db "$db" records list --class text) MB" "278 MB for 360k rows before" "< 64 MB"
row "3" "\`records list --class text\`: first row" "$(first "$c" --db "$db" records list --class text) s" "8.3 s before (520k rows)" "< 0.2 s"
row "3" "\`access list\` (table, all grants): peak RSS" "$(rss "$c" --db "$db" access list) MB" "401 MB before" "< 64 MB"
row "3" "\`account list\` (table): peak RSS" "$(rss "$c" --db "$db" account list) MB" "62-64 MB before" "< 64 MB"

# Item 4: JSON and CSV output against the sqlite3 shell, same columns.
acols="username, name, employee_id, department, position, email, type, until, clearance, state,
	must_change_password, agreement_ref, reason, requested_by, requested_at, updated_at, state_reason,
	incident, requested_by_real"
read -r rw rc < <(med "$sq" -json "$db" "SELECT $acols FROM accounts ORDER BY username")
read -r w u < <(med "$c" --db "$db" account list -o json)
accounts=$("$sq" "$db" 'SELECT count(*) FROM accounts')
row "4" "\`account list -o json\`, $accounts accounts: wall, CPU" "$w s, $u s ($(ratio "$w" "$rw")×, $(ratio "$u" "$rc")×)" "sqlite3 -json: $rw s, $rc s (4.9× before)" "≤ 2×"
t0=$(date +%s.%N)
"$c" --db "$db" access review start scale --due 2099-01-01 >/dev/null
t1=$(date +%s.%N)
items=$("$sq" "$db" "SELECT items FROM reviews WHERE name = 'scale'")
row "6 (SPEC)" "\`access review start\` over $items grants" "$(printf %.2f "$(echo "$t1 - $t0" | bc)") s" "" ""
read -r rw rc < <(med "$sq" -csv -header "$db" "SELECT r.name AS campaign, i.id AS item, i.reviewer, i.username, i.name,
	i.department, i.resource, i.role, i.classification, i.until, i.flags, i.decision, i.reason
	FROM review_items i JOIN reviews r ON r.id = i.review_id WHERE r.name = 'scale' ORDER BY i.id")
read -r w u < <(med "$c" --db "$db" access review export scale -o csv)
row "4" "\`access review export -o csv\`, $items items: wall, CPU" "$w s, $u s ($(ratio "$w" "$rw")×, $(ratio "$u" "$rc")×)" "sqlite3 -csv: $rw s, $rc s (2.8× before)" "≤ 2×"
rm -f "$db" "$db-wal" "$db-shm"

# Item 5: the slowest operator add while a bulk command runs.
if [[ $skip != *,lockwait,* ]]; then
	while read -r line; do
		label=${line#*"$c" } label=${label%%:*}
		slow=$(echo "$line" | sed 's/.*slowest \([0-9]*\) ms, \([0-9]*\) failed.*/\1 ms, \2 failed/')
		row "5" "$label: slowest probe" "$slow" "" "≤ 100 ms, 0 failed"
	done < <("$root/bench/lockwait.sh" "$c" 500000; "$root/bench/lockwait.sh" review "$c" 1000000)
fi

# Item 6: figure 1, one audited operator add against one durable sqlite3
# insert.
if [[ $skip != *,startup,* ]]; then
	cp "$out/storeonly" "$out/bin/storeonly"
	CGO_ENABLED=0 go build -tags clilibs -o "$out/clilibs.b" ./bench/storeonly
	cp "$out/clilibs.b" "$out/bin/clilibs"
	f1=$(go run ./bench/startup -custos "$c" -sqlite3 "$sq" -storeonly "$out/bin/storeonly" -clilibs "$out/bin/clilibs" -n 300)
	echo "$f1" >&2
	# "custos operator add  WALL P90 MEAN RATIO CPU RATIO", likewise sqlite3's.
	read -r w wr u ur < <(echo "$f1" | awk '/^custos operator add/ {print $4, $7, $8, $9}')
	read -r sw su < <(echo "$f1" | awk '/^sqlite3 durable insert/ {print $4, $8}')
	row "6" "figure 1: \`operator add\` vs one durable sqlite3 insert, wall / CPU (p50 of 300)" "$w / $u: $wr / $ur" "sqlite3: $sw / $su; 1.76-1.88× before" "≤ 1.5×"
fi

echo
echo "| item | figure | measured | reference | goal |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
