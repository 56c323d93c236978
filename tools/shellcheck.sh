#!/usr/bin/env bash
# Runs shellcheck on every shell file of the tree (ninja -C build shellcheck):
#   scripts, helpers, CI: at shellcheck's default severity; a line that is right as it is
#     says so with a "# shellcheck disable=SCnnnn # reason" directive
#   bats files: errors and warnings (-S warning), so SC2314 (a "! cmd" bats never checks)
#     is caught, less SC2010: the tests list directories of files they made themselves.
#     Left out at that severity: quoting of PIDs and names the tests made (SC2086),
#     single-quoted jq and sh text (SC2016), and bats's own subshells (SC2030, SC2031).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
shopt -s nullglob
scripts=(.ci/run tests/run tests/helpers/*.sh tests/helpers/*.bash bench/run bench/*.sh bench/*.bash
	 scripts/*.sh tools/*.sh)
rc=0
shellcheck -s bash "${scripts[@]}" || rc=1
shellcheck -S warning -e SC2010 tests/*.bats || rc=1
exit "$rc"
