#!/usr/bin/env bats
# The command line itself: verbs, usage errors, exit codes.

load helpers/common

@test "an unknown verb is a usage error with exit 2 naming the verb" {
  run "$NETNEST" frobnicate
  [ "$status" -eq 2 ]
  [[ $output == *"unknown verb 'frobnicate'"* ]]
}

@test "netnest --help lists every verb of DESIGN.md" {
  run "$NETNEST" --help
  [ "$status" -eq 0 ]
  for v in up down info run ps stop port exec ns ls topo peer attach; do
    [[ $output == *"  $v "* ]]
  done
}
