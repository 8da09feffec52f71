#!/usr/bin/env bash
# Times one audited custos command against one durable sqlite3 insert,
# alternating, and the store pipeline without the CLI as a third contender,
# then with the CLI's libraries linked but unused as a fourth.
# Usage: bench/startup.sh [runs]   (default 300)
command -v sqlite3 >/dev/null || { echo "bench/startup.sh needs the sqlite3 shell (apt-get install sqlite3)" >&2; exit 1; }
. "$(dirname "$0")/setup.sh" cmd/custos bench/storeonly
CGO_ENABLED=0 go build -tags clilibs -o "$out/clilibs" ./bench/storeonly
go run ./bench/startup -custos "$out/custos" -storeonly "$out/storeonly" -clilibs "$out/clilibs" -n "${1:-300}"
