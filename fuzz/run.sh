#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# fuzz/run.sh [SECONDS [HARNESS...]] - build the libFuzzer harnesses with clang in their own
# build dir and run each for SECONDS (default 20) from its seed corpus in fuzz/corpus/.
# Exits 1 when a harness crashed (its input is kept as a crash-* file in the artifact dir
# printed), 2 when the build failed.  Needs clang and libclang-rt-14-dev (libFuzzer).
#
#   NN_FUZZ_BUILD  build dir (default build-fuzz, relative to the tree)
#   NN_FUZZ_OUT    where new corpus entries, logs and crash inputs go (default: a new
#                  directory under /tmp); the seed corpora in the tree are only read
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-20}
shift || true
build=${NN_FUZZ_BUILD:-build-fuzz}
case $build in /*) ;; *) build=$root/$build ;; esac
out=${NN_FUZZ_OUT:-$(mktemp -d /tmp/nn-fuzz.XXXXXX)}
mkdir -p "$out"

if [[ ! $secs =~ ^[0-9]+$ ]] || ((secs < 1)); then
	echo "usage: fuzz/run.sh [SECONDS [HARNESS...]]" >&2
	exit 2
fi

if [[ ! -d $build ]]; then
	CC=clang meson setup "$build" "$root" -Dfuzz=true >"$out/setup.log" 2>&1 ||
		{ cat "$out/setup.log" >&2; exit 2; }
fi
ninja -C "$build" >"$out/build.log" 2>&1 || { tail -n 40 "$out/build.log" >&2; exit 2; }

if (($#)); then
	names=("$@")
else
	names=()
	for d in "$root"/fuzz/corpus/*/; do
		names+=("$(basename "$d")")
	done
fi

failed=()
for name in "${names[@]}"; do
	bin=$build/fuzz/fuzz_$name
	seeds=$root/fuzz/corpus/$name
	if [[ ! -x $bin || ! -d $seeds ]]; then
		echo "fuzz/run.sh: no harness or no seed corpus named $name" >&2
		exit 2
	fi
	mkdir -p "$out/$name/corpus" "$out/$name/crashes"
	# New inputs go to the first corpus dir (the work copy), never into the tree.
	if ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
	   UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	   "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$out/$name/crashes/" \
		"$out/$name/corpus" "$seeds" >"$out/$name/log" 2>&1; then
		printf '%-14s ok    %s\n' "$name" \
			"$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/$name/log" |
			   grep -o '[0-9]*$') runs"
	else
		printf '%-14s CRASH %s\n' "$name" "$(ls "$out/$name/crashes" | head -n 1)"
		grep -m 5 -E 'ERROR|runtime error|SUMMARY' "$out/$name/log" | sed 's/^/    /'
		failed+=("$name")
	fi
done
if ((${#failed[@]})); then
	echo "fuzz output in $out"
	echo "crashed: ${failed[*]} (reproduce: $build/fuzz/fuzz_NAME $out/NAME/crashes/crash-...)"
	exit 1
fi
# nothing crashed: the output is only kept when asked for
if [[ -z ${NN_FUZZ_OUT:-} ]]; then rm -rf "$out"; else echo "fuzz output in $out"; fi
