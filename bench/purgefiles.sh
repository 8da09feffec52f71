#!/usr/bin/env bash
# records purge --delete-files at scale, measured with the real binary
# (issue 13): N small files (64 bytes each, distinct content, 1000
# subdirectories, modification times in 2019) registered with
# `records import --dir` in a store under `voice 3y`, so all N records are
# due. The store is copied byte for byte; the copy B is purged without
# --delete-files first (it touches no file), then the original A with
# --delete-files, each under /usr/bin/time for wall time and peak RSS.
# ROUNDS>1 repeats the pair on fresh byte-for-byte copies of the pristine
# store, with the files re-created (same paths, content and times), and
# prints the median.
# Usage: [ROUNDS=R] bench/purgefiles.sh [N]   (default 1000000, R 1)
n=${1:-1000000}
rounds=${ROUNDS:-1}
. "$(dirname "$0")/setup.sh" cmd/custos
files=$out/files

# The tree: file i in d(i mod 1000), 63 digits and a newline; directory d
# dated 2019-(d mod 12 + 1)-(d mod 28 + 1).
make_files() {
	rm -rf "$files"
	mkdir -p "$files"
	(cd "$files" && seq -f 'd%03g' 0 999 | xargs mkdir)
	awk -v n="$n" -v dir="$files" 'BEGIN{for(i=0;i<n;i++){p=sprintf("%s/d%03d/f%07d", dir, i%1000, i); printf "%063d\n", i > p; close(p)}}'
	for d in $(seq 0 999); do
		(cd "$files/$(printf d%03d "$d")" && find . -maxdepth 1 -type f -exec touch -d "$(printf '2019-%02d-%02dT12:00:00Z' $((d % 12 + 1)) $((d % 28 + 1)))" {} +)
	done
}

t0=$(date +%s.%N); make_files; t1=$(date +%s.%N)
echo "files:   $n files of 64 bytes created in $(echo "$t1 - $t0" | bc) s"
c="$out/custos --db $out/pristine.db"
$c init >/dev/null
$c records retain voice --for 3y >/dev/null
$c policy set records.roots "$files" >/dev/null
t0=$(date +%s.%N); $c records import --dir "$files" --class voice >/dev/null; t1=$(date +%s.%N)
echo "import:  records import --dir of $n files in $(echo "$t1 - $t0" | bc) s"
sqlite3 "$out/pristine.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
due=$($c records purge --dry-run -o csv 2>/dev/null | awk -F, 'NR>1{s+=$2} END{print s+0}')
echo "due:     $due records"

for r in $(seq 1 "$rounds"); do
	[ "$r" -gt 1 ] && make_files
	rm -rf "$out/a.db"* "$out/b.db"* "$out/archA" "$out/archB"
	cp "$out/pristine.db" "$out/a.db"
	cp "$out/pristine.db" "$out/b.db"
	cmp "$out/a.db" "$out/b.db"
	mkdir "$out/archA" "$out/archB"
	sync
	# B: the same records, no files.
	/usr/bin/time -o "$out/b.time" -f '%e %M' "$out/custos" --db "$out/b.db" records purge --archive "$out/archB" --yes >"$out/b.out" 2>"$out/b.err" || true
	read -r tb mb < <(tail -1 "$out/b.time")
	# A: with --delete-files.
	/usr/bin/time -o "$out/a.time" -f '%e %M' "$out/custos" --db "$out/a.db" records purge --archive "$out/archA" --delete-files --yes >"$out/a.out" 2>"$out/a.err" || true
	read -r ta ma < <(tail -1 "$out/a.time")
	left_a=$(sqlite3 "$out/a.db" 'SELECT count(*) FROM records')
	left_b=$(sqlite3 "$out/b.db" 'SELECT count(*) FROM records')
	left_files=$(find "$files" -type f | wc -l)
	gz_a=$(stat -c %s "$out"/archA/*.jsonl.gz); tar_a=$(stat -c %s "$out"/archA/*.files.tar)
	gz_b=$(stat -c %s "$out"/archB/*.jsonl.gz)
	echo "round $r: A (--delete-files) $ta s, peak RSS $((ma / 1024)) MB; B (no files) $tb s, peak RSS $((mb / 1024)) MB; ratio A/B $(echo "scale=2; $ta / $tb" | bc)x"
	echo "round $r: archives A $((gz_a / 1024)) KiB .jsonl.gz + $((tar_a / 1048576)) MiB .files.tar, B $((gz_b / 1024)) KiB .jsonl.gz"
	echo "round $r: left after A: $left_a records, $left_files files; after B: $left_b records"
	echo "round $r: A said: $(head -c 300 "$out/a.out" | tr '\n' ' ')"
	[ -s "$out/a.err" ] && echo "round $r: A stderr: $(head -c 300 "$out/a.err" | tr '\n' ' ')"
	[ -s "$out/b.err" ] && echo "round $r: B stderr: $(head -c 300 "$out/b.err" | tr '\n' ' ')"
	echo "$ta $tb $ma $mb" >> "$out/rounds"
done
if [ "$rounds" -gt 1 ]; then
	med() { awk "{print $1}" "$out/rounds" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
	echo "median:  A $(med '$1') s, B $(med '$2') s, ratio A/B $(printf %.2f "$(med '$1/$2')")x; peak RSS A $(($(med '$3') / 1024)) MB, B $(($(med '$4') / 1024)) MB ($rounds rounds)"
fi
