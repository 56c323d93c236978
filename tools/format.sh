#!/usr/bin/env bash
# clang-format (.clang-format) on the C lines changed since a base, as the tree asks: style
# applies to the lines you touch, and a whole-file reformat would bury every change.
#   bash tools/format.sh              reformat the changed lines (ninja -C build format)
#   bash tools/format.sh --check      print their diff and fail if there is one (format-check)
#   bash tools/format.sh FILE...      reformat these whole files, for a file you own
# The base is $NN_FORMAT_BASE, or where HEAD left main (git merge-base HEAD main); on main
# itself that is HEAD, so only uncommitted changes count.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
check=false
if [[ ${1:-} == --check ]]; then check=true; shift; fi
if (($#)) && ! $check; then
	exec clang-format -i "$@"
fi
base=${NN_FORMAT_BASE:-$(git merge-base HEAD main 2>/dev/null || git rev-parse HEAD)}
if $check; then
	out=$(git clang-format --diff --extensions c,h "$base" -- "$@" 2>&1)
	case $out in
	"" | "no modified files to format" | "clang-format did not modify any files") exit 0 ;;
	*) echo "$out"; echo "format-check: lines changed since $base are not in .clang-format's style (ninja format)" >&2; exit 1 ;;
	esac
fi
git clang-format --force --extensions c,h "$base" -- "$@"
