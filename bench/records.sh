#!/usr/bin/env bash
# Records at scale, measured with the real binary:
#   1. records import of N rows (CSV), rows per second, against the sqlite3
#      shell's .import of the same CSV into an equally indexed table;
#   2. records purge of the due half (archive written and verified) against
#      a bare indexed DELETE of the same rows on a copy of the same store;
#   3. peak RSS of records list -o jsonl over the catalogue.
# Usage: [ORDER=created|interleaved] bench/records.sh [N]   (default 1000000)
n=${1:-1000000}
. "$(dirname "$0")/setup.sh" cmd/custos bench/rawdelete
c="$out/custos --db $out/c.db"
# Half the rows from 2019 (due under a 3-year schedule), half from 2026.
# ORDER=created (the default) catalogues them in creation order, as a
# catalogue filled as records arrive is; ORDER=interleaved alternates the
# years row by row, the worst case for a purge walking the table by id.
if [ "${ORDER:-created}" = interleaved ]; then
  awk -v n="$n" 'BEGIN{print "class,created,subject,location"; for(i=0;i<n;i++){ y=(i%2==0)?2019:2026; printf "voice,%d-%02d-%02dT%02d:%02d:%02dZ,s%d,/srv/calls/%d.wav\n", y,(i%12)+1,(i%28)+1,i%24,i%60,i%60,i%500,i }}' > "$out/r.csv"
else
  awk -v n="$n" 'BEGIN{print "class,created,subject,location"; for(i=0;i<n;i++){ y=(i<n/2)?2019:2026; d=int(i*365/(n/2))%365; printf "voice,%d-%02d-%02dT%02d:%02d:%02dZ,s%d,/srv/calls/%d.wav\n", y,int(d/31)%12+1,d%28+1,i%24,i%60,i%60,i%500,i }}' > "$out/r.csv"
fi
$c init >/dev/null
$c records retain voice --for 3y >/dev/null

t0=$(date +%s.%N); $c records import "$out/r.csv" >/dev/null; t1=$(date +%s.%N)
ours=$(echo "$t1 - $t0" | bc)
# The reference: the sqlite3 shell's .import of the same CSV into a table
# indexed as the catalogue is, in a WAL database with synchronous=FULL.
sqlite3 "$out/imp.db" "PRAGMA journal_mode=WAL; CREATE TABLE records (class TEXT NOT NULL, created_at TEXT NOT NULL, subject TEXT NOT NULL, location TEXT NOT NULL); CREATE INDEX records_class_created ON records (class, created_at); CREATE INDEX records_location ON records (location) WHERE location != '';" >/dev/null
t0=$(date +%s.%N); sqlite3 -cmd "PRAGMA synchronous=FULL" "$out/imp.db" ".import --csv --skip 1 $out/r.csv records"; t1=$(date +%s.%N)
ref=$(echo "$t1 - $t0" | bc)
echo "import:  $n rows in $ours s: $(echo "$n / $ours" | bc) rows/s; sqlite3 .import: $ref s, $(echo "$n / $ref" | bc) rows/s; ratio $(echo "scale=2; $ours / $ref" | bc)x"

for size in list; do
  rss=$( { /usr/bin/time -f %M $c records list -o jsonl > /dev/null; } 2>&1 )
  echo "list:    records list -o jsonl over $n records: peak RSS $((rss / 1024)) MB"
done

# The same store, byte for byte, for the reference DELETE.
sqlite3 "$out/c.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
cp "$out/c.db" "$out/ref.db"
mkdir "$out/archive"
t0=$(date +%s.%N); $c records purge --archive "$out/archive" --yes >/dev/null; t1=$(date +%s.%N)
purge=$(echo "$t1 - $t0" | bc)
cutoff=$(date -u -d '3 years ago' +%Y-%m-%dT%H:%M:%S.000000000Z)
read -r deleted ref < <("$out/rawdelete" "$out/ref.db" voice "$cutoff")
echo "purge:   $(echo "$n / 2" | bc) records archived, verified and deleted in $purge s; bare DELETE of $deleted rows: $ref s; ratio $(echo "scale=2; $purge / $ref" | bc)x"
