# Background servers of the benchmarks (bench/port_throughput.sh, bench/port_connrate.sh),
# each run as the test user and remembered by PID in the caller's $RUN directory.

# spawn NAME CMD...: run CMD in the background as the test user; its PID goes to RUN/NAME.pid
# (runuser does not pass SIGTERM on, so spawned_kill kills the command itself)
spawn() {
  local name=$1
  shift
  # shellcheck disable=SC2016 # $$ and $@ are the inner sh's
  as_user sh -c 'echo $$ > "$0"; exec "$@"' "$RUN/$name.pid" "$@" >/dev/null 2>&1 &
}

# spawned_kill: end every process spawn() started, by its PID
spawned_kill() {
  local f
  for f in "$RUN"/*.pid; do [[ -s $f ]] && kill "$(cat "$f")" 2>/dev/null; done
}
