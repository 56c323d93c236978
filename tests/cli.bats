#!/usr/bin/env bats
# The command line itself: verbs, usage errors, exit codes.

load helpers/common

@test "an unknown verb is a usage error with exit 2 naming the verb" {
  run "$NETNEST" frobnicate
  [ "$status" -eq 2 ]
  [[ $output == *"unknown verb 'frobnicate'"* ]]
}

@test "netnest --help lists every verb: up, down, info, run, ps, stop, port, exec, ns, ls, topo, peer, attach" {
  run "$NETNEST" --help
  [ "$status" -eq 0 ]
  for v in up down info run ps stop port exec ns ls topo peer attach; do
    [[ $output == *"  $v "* ]]
  done
}

# check EXPECTED-FIRST-LINE ARGS...: netnest ARGS is a usage error: that line, the hint, exit 2
check() {
  local want=$1; shift
  run "$NETNEST" "$@"
  [ "$status" -eq 2 ]
  [ "${lines[0]}" = "$want" ]
  [ "${lines[1]}" = "Try 'netnest $1 --help' for more information." ]
  [ "${#lines[@]}" -eq 2 ]
}

@test "a wrong or incomplete option of up, down, info, run, ps, stop or port is named once, exit 2" {
  check "netnest up: unknown option -x" up -x
  check "netnest up: option --mtu needs an argument" up --mtu
  check "netnest down: unknown option --bogus" down --bogus
  check "netnest info: option --nest needs an argument" info --nest
  check "netnest run: unknown option --bogus" run --bogus -- true
  check "netnest run: option --name needs an argument" run --name
  check "netnest run: option -p needs an argument" run -p
  check "netnest ps: unknown option -x" ps -x
  check "netnest stop: unknown option --bogus" stop --bogus web
  check "netnest port: unknown option -1" port rm -1
  check "netnest port: option --nest needs an argument" port ls --nest
  # a value given to a flag that takes none is said so, by the flag's name
  check "netnest run: option --bypass takes no value" run --bypass=yes -- true
  check "netnest run: option --detach takes no value" run --detach=1 -- true
  check "netnest up: unknown option --bogus=1" up --bogus=1
}

@test "topo --svg without a FILE, and a wrong option of topo or peer, are named once, exit 2" {
  check "netnest topo: option --svg needs a FILE to write the SVG to" topo --svg
  check "netnest topo: option --svg needs a FILE to write the SVG to, not an empty name" topo --svg=
  check "netnest topo: unknown option --bogus" topo --bogus
  check "netnest topo: option --json takes no value" topo --json=1
  check "netnest peer: option -n needs an argument" peer eth0 -n
  check "netnest peer: unknown option -x" peer -x eth0
}

# man_synopsis: the SYNOPSIS of docs/netnest.1 as text, one form a line
man_synopsis() {
  sed -n '/^\.SH SYNOPSIS/,/^\.SH DESCRIPTION/p' "$NN_ROOT/docs/netnest.1" | sed '1d;$d' |
    awk '/^\.(br|PP)/ { print ""; next } { sub(/^\.[A-Z]+ ?/, ""); gsub(/\\-/, "-"); gsub(/"/, ""); printf "%s ", $0 }
      END { print "" }'
}
# usage_lines: the Usage: line on stdin and the lines that go on with it (forms, options)
usage_lines() { awk 'NR == 1 { go = /^Usage: / } NR > 1 { go = go && /^ +(\[|netnest )/ } go'; }
# options: the option names (-x, --xy) in the text on stdin, sorted, on one line
options() { grep -oE -- '(^|[][ |])--?[a-z][a-z0-9-]*' | grep -oE -- '--?[a-z][a-z0-9-]*' | sort -u | tr '\n' ' '; }

@test "the SYNOPSIS of netnest(1) has, for every verb, exactly the options of its --help usage" {
  local v want got
  [ "$(man_synopsis | grep -c '^netnest ')" -ge 19 ]
  for v in up down info run ps stop port exec ns ls topo peer attach; do
    want=$("$NETNEST" "$v" --help | usage_lines | options)
    got=$(man_synopsis | grep -E "^netnest $v( |\$)" | options)
    [ -n "$want" ] || [ "$v" = down ] || { echo "$v: no options in --help"; false; }
    [ "$got" = "$want" ] || { echo "$v: netnest.1 has '$got', --help '$want'"; false; }
  done
  # the one the user trial missed
  man_synopsis | grep -q -- '^netnest run .*\[ --bypass \]'
}
