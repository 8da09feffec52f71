#!/usr/bin/env bash
# What linking gojq (for --jq) costs every command: custos as built, and
# the same tree built with -tags nojq (internal/jq without gojq), timed
# side by side by bench/startup on one audited command, each on a store
# of its own, with the sqlite3 shell's durable insert as the yardstick;
# then gojq's own package initialisation as the runtime reports it
# (GODEBUG=inittrace=1), over 20 starts of custos --version.
# Usage: bench/jq-startup.sh [RUNS]   (default 300 runs)
command -v sqlite3 >/dev/null || { echo "bench/jq-startup.sh needs the sqlite3 shell (apt-get install sqlite3)" >&2; exit 1; }
. "$(dirname "$0")/setup.sh" cmd/custos
runs=${1:-300}
CGO_ENABLED=0 go build -tags nojq -o "$out/custos-nojq" ./cmd/custos
mkdir "$out/bin"
for b in custos custos-nojq; do cp "$out/$b" "$out/bin/$b"; done
cp "$(command -v sqlite3)" "$out/bin/sqlite3"
go run ./bench/startup -custos "$out/bin/custos" -sqlite3 "$out/bin/sqlite3" -n "$runs" nojq="$out/bin/custos-nojq"
echo
echo "gojq's package init in custos --version (20 starts):"
for i in $(seq 20); do
	GODEBUG=inittrace=1 "$out/bin/custos" --version 2>&1 >/dev/null | grep 'init github.com/itchyny/gojq '
done | awk '{ print $5 }' | sort -n | awk '{ v[NR] = $1 } END { printf "median %s ms clock, range %s-%s ms\n", v[int((NR + 1) / 2)], v[1], v[NR] }'
ls -l "$out/bin/custos" "$out/bin/custos-nojq" | awk '{ print $5, $9 }'
