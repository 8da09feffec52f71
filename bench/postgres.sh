#!/usr/bin/env bash
# PostgreSQL beside SQLite (docs/performance.md, "PostgreSQL"), on a
# throwaway cluster from scripts/pg-test-server, stopped on exit:
#
#   1. bench/concurrent: P processes x N `operator add` against SQLite,
#      against a fresh PostgreSQL store and through the sqlite3 shell,
#      alternating in halves; each store checked afterwards;
#   2. one `operator add`, start to exit: SQLite, PostgreSQL over the
#      Unix socket and over TCP, alternating RUNS times (bench/startup),
#      then hyperfine's medians of the same, run after run;
#   3. `custos audit verify` of ENTRIES entries generated on PostgreSQL
#      (bench/gen loads them with COPY): wall time and peak RSS, 3 runs.
#
# The test cluster skips fsync; this restarts it with PostgreSQL's
# defaults (fsync, synchronous commit, full page writes), so that a
# commit is as durable as SQLite's synchronous=FULL. FSYNC=off keeps the
# test cluster's settings. With OLD=COMMIT, step 3 times that commit's
# custos too, alternating with this checkout's. STEPS="3" (or "1 2")
# runs only those steps. Every binary is copied the same way before it
# is timed.
#
# Usage: bench/postgres.sh [ENTRIES] [RUNS] [P] [N]
#        (default 10000000 300 8 500; 10 M entries take 3 to 7 minutes
#        to generate here, and 6.6 GB)
set -euo pipefail
entries=${1:-10000000}
runs=${2:-300}
procs=${3:-8}
n=${4:-500}
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
command -v sqlite3 >/dev/null || { echo "bench/postgres.sh needs the sqlite3 shell (apt-get install sqlite3)" >&2; exit 1; }
out=$(mktemp -d)
chmod 0755 "$out" # as root, the cluster runs as postgres, inside it
pg=$out/pg
cleanup() {
	scripts/pg-test-server stop "$pg" || true
	[ -z "${OLD:-}" ] || git worktree remove --force "$out/old" >/dev/null 2>&1 || true
	rm -rf "$out"
}
trap cleanup EXIT
export XDG_CONFIG_HOME=$out/cfg NO_COLOR=1

# A binary straight out of go build starts slower than the same bytes
# copied: every one is built, then copied.
for pkg in cmd/custos bench/gen bench/concurrent bench/startup; do
	CGO_ENABLED=0 go build -o "$out/$(basename $pkg).b" "./$pkg"
done
if [ -n "${OLD:-}" ]; then
	git worktree add -q --detach "$out/old" "$OLD"
	(cd "$out/old" && CGO_ENABLED=0 go build -o "$out/custos-old.b" ./cmd/custos)
fi
for b in "$out"/*.b; do cp "$b" "${b%.b}"; done
cp "$(command -v sqlite3)" "$out/sqlite3"

admin=$(scripts/pg-test-server start "$pg")
port=$(cat "$pg/port")
if [ "${FSYNC:-on}" != off ]; then
	pg_ctl=$(ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | tail -1)
	pg_ctl=${pg_ctl:-pg_ctl}
	as_owner=()
	[ "$(id -u)" != 0 ] || as_owner=(runuser -u postgres --)
	"${as_owner[@]}" "$pg_ctl" -D "$pg/data" -l "$pg/server.log" -w -m fast \
		-o "-k $pg -p $port -c listen_addresses=127.0.0.1 -c max_connections=200" restart >/dev/null
fi
tcp="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
echo "PostgreSQL $(psql -XAtc 'SHOW server_version' "$admin"), fsync $(psql -XAtc 'SHOW fsync' "$admin"), synchronous_commit $(psql -XAtc 'SHOW synchronous_commit' "$admin"); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

concurrent() {
	echo
	echo "== 1. $procs processes x $n operator add at once"
	"$out/concurrent" -custos "$out/custos" -sqlite3 "$out/sqlite3" -procs "$procs" -n "$n" -postgres "$admin"
}

latency() {
	echo
	echo "== 2. one operator add, $runs runs each, alternating"
	"$out/startup" -custos "$out/custos" -sqlite3 "$out/sqlite3" -n "$runs" -postgres "$admin" -postgres-tcp "$tcp"
	command -v hyperfine >/dev/null || return 0
	# hyperfine runs each command's runs in a row; the name is removed
	# between runs (--prepare, not timed) so that each run adds it anew.
	cp "$(command -v hyperfine)" "$out/hyperfine"
	local h=$out/h.db hdb=custos_bench_hyperfine
	"$out/custos" --db "$h" init >/dev/null
	psql -Xqc "CREATE DATABASE $hdb TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'" "$admin"
	local hs="postgres://postgres@/$hdb?host=$pg&port=$port&sslmode=disable"
	local ht="postgres://postgres@127.0.0.1:$port/$hdb?sslmode=disable"
	"$out/custos" --db "$hs" init >/dev/null
	for db in "$h" "$hs"; do "$out/custos" --db "$db" operator add hf --role auditor >/dev/null 2>&1; done
	echo
	echo "hyperfine, $runs runs each, one command after another:"
	"$out/hyperfine" -N -w 10 -r "$runs" --style basic --export-json "$out/h.json" \
		-n sqlite --prepare "$out/custos --db $h operator remove hf --yes" "$out/custos --db $h operator add hf --role auditor" \
		-n socket --prepare "$out/custos --db $hs operator remove hf --yes" "$out/custos --db $hs operator add hf --role auditor" \
		-n tcp --prepare "$out/custos --db $ht operator remove hf --yes" "$out/custos --db $ht operator add hf --role auditor" >/dev/null
	python3 - "$out/h.json" <<-'EOF'
	import json, sys
	r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
	base = r["sqlite"]["median"]
	for name, x in r.items():
	    print(f"  {name:7} median {x['median']*1000:6.2f} ms  mean {x['mean']*1000:6.2f} ms  {x['median']/base:.2f}x SQLite")
	EOF
}

# server_cpu is the CPU time the server's exited backends have used
# (the postmaster's cutime and cstime): a verification's connections
# end with it.
server_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($16 + $17) / hz }' "/proc/$(head -1 "$pg/data/postmaster.pid")/stat"; }

verify() {
	echo
	echo "== 3. audit verify of $entries generated entries on PostgreSQL"
	psql -Xqc "CREATE DATABASE custos_bench_verify TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'" "$admin"
	local v="postgres://postgres@/custos_bench_verify?host=$pg&port=$port&sslmode=disable"
	"$out/custos" --db "$v" init >/dev/null
	"$out/gen" -db "$v" -accounts 0 -grants-per-account 0 -records 0 -audit "$entries"
	psql -XAtc "SELECT 'audit_log ' || pg_size_pretty(pg_total_relation_size('custos.audit_log')) || ', audit_objects ' || pg_size_pretty(pg_total_relation_size('custos.audit_objects'))" "$v"
	local versions=(custos) i b s0
	[ -z "${OLD:-}" ] || versions=(custos-old custos)
	for i in 1 2 3; do
		for b in "${versions[@]}"; do
			s0=$(server_cpu)
			/usr/bin/time -o "$out/time" -f "%e s wall, client %U s user + %S s sys, client peak RSS %M KB" "$out/$b" --db "$v" audit verify
			sleep 1
			echo "$b run $i: $(cat "$out/time"), server $(awk -v a="$(server_cpu)" -v b="$s0" 'BEGIN { printf "%.2f", a - b }') s CPU"
		done
	done
}

for step in ${STEPS:-1 2 3}; do
	case $step in
	1) concurrent ;;
	2) latency ;;
	3) verify ;;
	esac
done
