#!/usr/bin/env bash
# Times one audited custos command against one durable sqlite3 insert, in
# turn, and the store pipeline without the CLI as a third contender, then
# with the CLI's libraries linked but unused as a fourth; with OLD-COMMIT,
# that version of custos as a fifth, on a store of its own. Every binary,
# the sqlite3 shell's included, is copied with cp into one directory before
# timing: a binary straight out of go build starts 0.4-1.1 ms slower than
# the same bytes copied, because of how its pages reached the page cache,
# while an installed sqlite3 was read from disk like a copy.
# Usage: bench/startup.sh [RUNS] [OLD-COMMIT]   (default 300 runs)
command -v sqlite3 >/dev/null || { echo "bench/startup.sh needs the sqlite3 shell (apt-get install sqlite3)" >&2; exit 1; }
. "$(dirname "$0")/setup.sh" cmd/custos bench/storeonly
runs=${1:-300}
old=${2:-}
CGO_ENABLED=0 go build -tags clilibs -o "$out/clilibs" ./bench/storeonly
bins=(custos storeonly clilibs)
if [ -n "$old" ]; then
	trap 'git worktree remove --force "$out/old" >/dev/null 2>&1 || true; rm -rf "$out"' EXIT
	git worktree add -q --detach "$out/old" "$old"
	(cd "$out/old" && CGO_ENABLED=0 go build -o "$out/custos-old" ./cmd/custos)
	bins+=(custos-old)
fi
mkdir "$out/bin"
for b in "${bins[@]}"; do cp "$out/$b" "$out/bin/$b"; done
cp "$(command -v sqlite3)" "$out/bin/sqlite3"
go run ./bench/startup -custos "$out/bin/custos" -sqlite3 "$out/bin/sqlite3" \
	-storeonly "$out/bin/storeonly" -clilibs "$out/bin/clilibs" -n "$runs" \
	${old:+"old=$out/bin/custos-old"}
