# Sourced by the bench scripts, with the packages to build (always at least
# one: a sourced file without arguments sees the caller's): from the
# checkout's root, a scratch directory $out removed on exit, a
# configuration of its own, and each package built statically, as the
# README builds custos: `. bench/setup.sh cmd/custos bench/gen` builds
# $out/custos and $out/gen.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export XDG_CONFIG_HOME=$out/cfg NO_COLOR=1
for pkg in "$@"; do
	CGO_ENABLED=0 go build -o "$out/$(basename "$pkg")" "./${pkg#./}"
done
