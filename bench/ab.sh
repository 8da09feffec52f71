# Sourced by the scripts that time two versions of custos side by side:
# builds OLD (a commit) and the working tree into $out, as custos-old and
# custos-new, both copied the same way after the build (a binary straight
# out of go build starts slower than the same bytes copied), and removes
# the old worktree and $out on exit. Needs $old set.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$(mktemp -d)
trap 'git -C "$repo" worktree remove --force "$out/old" >/dev/null 2>&1 || true; rm -rf "$out"' EXIT
git -C "$repo" worktree add -q --detach "$out/old" "$old"
(cd "$out/old" && CGO_ENABLED=0 go build -o "$out/custos-old.b" ./cmd/custos)
(cd "$repo" && CGO_ENABLED=0 go build -o "$out/custos-new.b" ./cmd/custos)
cp "$out/custos-old.b" "$out/custos-old"
cp "$out/custos-new.b" "$out/custos-new"
