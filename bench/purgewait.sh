#!/usr/bin/env bash
# How long another administrator's command waits for the store while a
# purge deletes: imports N records (default 2,000,000; the older half due),
# starts `records purge` in the background, and once it is deleting times
# 60 `operator add` one after another. SPEC §6 asks that no command wait
# more than about 100 ms.
# Usage: bench/purgewait.sh [N]
n=${1:-2000000}
. "$(dirname "$0")/setup.sh" cmd/custos
export CUSTOS_DB=$out/c.db
c=$out/custos
awk -v n="$n" 'BEGIN{print "class,created,subject"; for(i=0;i<n;i++) printf "voice,%d-%02d-01T00:00:00Z,s%d\n", (i<n/2)?2019:2026, i%12+1, i%500}' > "$out/r.csv"
$c init >/dev/null
$c records retain voice --for 3y >/dev/null
$c records import "$out/r.csv" >/dev/null
mkdir "$out/archive"
$c records purge --archive "$out/archive" --yes > "$out/purge.txt" 2>&1 &
purge=$!
# Wait for the deletion to start: the purge is recorded when it commits.
until $c audit log --command 'records purge' -o csv 2>/dev/null | grep -q ',ok,'; do sleep 0.2; done
for i in $(seq 1 60); do
	s=$(date +%s%N); $c operator add "probe$i" --role auditor >/dev/null; e=$(date +%s%N)
	echo $(((e - s) / 1000000))
done | sort -n | awk '{a[NR]=$1} END {printf "operator add during the deletion: median %d ms, p90 %d ms, max %d ms (60 commands)\n", a[int(NR/2)], a[int(NR*0.9)], a[NR]}'
kill -0 "$purge" 2>/dev/null && echo "the purge was still deleting after the last probe" || echo "warning: the purge finished before the last probe"
wait "$purge"
