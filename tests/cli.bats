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

@test "a wrong or incomplete option of up, down, info, run, ps, stop or port is named once, exit 2" {
  check() { # EXPECTED-FIRST-LINE ARGS...
    local want=$1; shift
    run "$NETNEST" "$@"
    [ "$status" -eq 2 ]
    [ "${lines[0]}" = "$want" ]
    [ "${lines[1]}" = "Try 'netnest $1 --help' for more information." ]
    [ "${#lines[@]}" -eq 2 ]
  }
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
