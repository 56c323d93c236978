# shellcheck shell=bash
# bench/timing.bash - wall-clock times without forking a timer (sourced by the benchmarks).
# `$(date +%s%N)` on each side of a command forks and execs date twice, and 1.2-1.6 ms of
# that lands inside the time taken (docs/benchmarks.md#the-timer); bash 5's $EPOCHREALTIME
# is read by the shell itself (bash(1), Shell Variables).

# now_us VAR: the wall-clock time, in microseconds since the epoch, into VAR
now_us() {
  local t=$EPOCHREALTIME
  printf -v "$1" '%s' "${t/[.,]/}" # the decimal point is the locale's
}
