#!/usr/bin/env bats
# Bash completion (completion/netnest.bash): driven the way bash drives it, with COMP_LINE,
# COMP_POINT, COMP_WORDS and COMP_CWORD set, with and without the bash-completion package.
# Names come from state dirs and netns dirs this test makes under its own temporary
# XDG_RUNTIME_DIR; /run/netns and /run/netnest are replaced, in a private mount namespace
# (unshare -m), by ones the test fills, so other tests' names never show and nothing of
# theirs is touched.

load helpers/common

setup() {
  tmp=$(mktemp -d /tmp/nn-completion.XXXXXX)
  chmod 0755 "$tmp"
  # a copy the test user can read, whatever the clone's permissions
  COMPLETION=$tmp/netnest.bash
  install -m 0644 "$NN_ROOT/completion/netnest.bash" "$COMPLETION"
  xdg=$tmp/xdg
  mkdir -p "$xdg/netnest/default/sandboxes" "$xdg/netnest/other/sandboxes" "$xdg/netns"
  echo '{}' >"$xdg/netnest/default/sandboxes/web.json"
  echo '{}' >"$xdg/netnest/other/sandboxes/db.json"
  : >"$xdg/netns/compns"
  chown -R "$NN_USER:$NN_USER" "$xdg"
  # comp LINE: complete LINE with the cursor at its end; COMPREPLY sorted, one per line.
  # COMP_WORDS is split as bash splits it: at blanks and at the = and : of COMP_WORDBREAKS.
  cat >"$tmp/comp.sh" <<'EOF'
comp() {
  local s
  COMP_LINE=$1
  COMP_POINT=${#1}
  s=$(printf '%s' "$1" | sed 's/\([=:]\)/ \1 /g')
  read -ra COMP_WORDS <<<"$s"
  [[ $1 == *[[:blank:]] ]] && COMP_WORDS+=("")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _netnest "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
  ((${#COMPREPLY[@]})) && printf '%s\n' "${COMPREPLY[@]}" | sort
  return 0
}
EOF
  # run-comp.sh [--bash-completion] LINE: load the completion (after bash-completion's own
  # functions when asked) and print the completions of LINE on one line
  cat >"$tmp/run-comp.sh" <<'EOF'
[[ $1 == --bash-completion ]] && { source /usr/share/bash-completion/bash_completion; shift; }
source "$COMPLETION"
source "${0%/*}/comp.sh"
comp "$1" | paste -sd " "
EOF
  # a stand-in for netnest whose `port ls` prints two ports
  cat >"$tmp/netnest" <<'EOF'
#!/bin/sh
printf 'ID   PROTO HOSTIP          HOSTPORT SANDBOX          CHILDIP         CHILDPORT\n'
printf '1    tcp   0.0.0.0         8081     web              10.4.0.2        80\n'
printf '7    tcp   127.0.0.1       8082     -                127.0.0.1       80\n'
EOF
  chmod 0755 "$tmp/netnest" "$tmp/comp.sh" "$tmp/run-comp.sh"
}

teardown() {
  rm -rf "$tmp"
}

# c LINE: the completions of LINE as root, on one line, in a mount namespace whose /run is
# a fresh tmpfs holding only /run/netns/rootns and the nest dir /run/netnest/rootnest
c() {
  unshare -m --propagation private bash -c '
    mount -t tmpfs tmpfs /run && mkdir -p /run/netns /run/netnest/rootnest &&
      : >/run/netns/rootns || exit 1
    exec env XDG_RUNTIME_DIR="$1" COMPLETION="$2" NETNEST_STATE_DIR="${NETNEST_STATE_DIR-}" \
      bash "$3" "$4"' _ "$xdg" "$COMPLETION" "$tmp/run-comp.sh" "$1"
}

# cu [--bash-completion] LINE: the same as the unprivileged test user, with an empty
# /run/netns
cu() {
  unshare -m --propagation private bash -c '
    if [[ -d /run/netns ]]; then mount -t tmpfs tmpfs /run/netns || exit 1; fi
    exec runuser -u "$1" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin XDG_RUNTIME_DIR="$2" \
      COMPLETION="$3" bash "$4" "${@:5}"' _ "$NN_USER" "$xdg" "$COMPLETION" \
    "$tmp/run-comp.sh" "$@"
}

# cb LINE: cu with the bash-completion package loaded first
cb() { cu --bash-completion "$1"; }

@test "the first word completes to the verbs netnest --help lists" {
  want=$("$NETNEST" --help | awk '/^Verbs:/ { v = 1; next } v && NF { print $1 } v && !NF { exit }' |
    sort | paste -sd " ")
  [ -n "$want" ]
  run c "netnest "
  [ "$status" -eq 0 ]
  [ "$output" = "$want" ]
  run c "netnest --v"
  [ "$output" = "--version" ]
}

@test "each verb offers exactly the options its --help names, long and short" {
  for v in up down info run ps stop port exec ns ls topo peer attach; do
    help=$("$NETNEST" "$v" --help)
    want_long=$(grep -oE '(^|[][ ,|])--[a-z][a-z0-9-]*' <<<"$help" | grep -oE -- '--[a-z0-9-]+' |
      grep -vx -- --help | sort -u | paste -sd " ")
    want_short=$(grep -oE '^ +-[a-z],' <<<"$help" | grep -oE -- '-[a-z]' |
      grep -vx -- -h | sort -u | paste -sd " ")
    got=$(c "netnest $v -")
    got_long=$(tr ' ' '\n' <<<"$got" | grep -E -- '^--[a-z]' | grep -vx -- --help | paste -sd " ")
    got_short=$(tr ' ' '\n' <<<"$got" | grep -E -- '^-[a-z]$' | grep -vx -- -h | paste -sd " ")
    echo "$v: long want [$want_long] got [$got_long]; short want [$want_short] got [$got_short]"
    [ "$got_long" = "$want_long" ]
    [ "$got_short" = "$want_short" ]
    [[ " $got " == *" --help "* ]]
  done
}

@test "rootlesskit completes the flags its --help names, their values, then the command" {
  want=$("$NETNEST" rootlesskit --help | grep -oE '^ +--[a-z0-9-]+' | tr -d ' ' | sort -u |
    paste -sd " ")
  got=$(c "netnest rootlesskit --" | tr ' ' '\n' | grep -E -- '^--' | sort -u | paste -sd " ")
  echo "want [$want] got [$got]"
  [ "$got" = "$want" ]
  run c "netnest rootlesskit --net "
  [ "$output" = "host none pasta slirp4netns" ]
  run c "netnest rootlesskit --mtu=65520 --port-driver="
  [ "$output" = "builtin none" ]
  run c "netnest rootlesskit --mtu 65520 --net=slirp4netns bas"
  [[ " $output " == *" bash "* ]]
  # the first word that is not a flag is the command; flags after it are its own
  run c "netnest rootlesskit sh --det"
  [[ $output != *--detach-netns* ]]
}

@test "rootless, --nest completes the nests and the sandbox verbs the sandboxes of that nest" {
  run cu "netnest up --nest "
  [ "$output" = "default other" ]
  run cu "netnest stop --nest o"
  [ "$output" = "other" ]
  run cu "netnest stop "
  [ "$output" = "web" ]
  run cu "netnest stop --nest other "
  [ "$output" = "db" ]
  run cu "netnest stop --nest=other "
  [ "$output" = "db" ]
  run cu "netnest info --nest="
  [ "$output" = "default other" ]
  run cu "netnest port add "
  [ "$output" = "web" ]
  run cu "netnest port -n other add "
  [ "$output" = "db" ]
}

@test "as root, nest names come from /run/netnest, and NETNEST_STATE_DIR is the sandboxes' dir" {
  run c "netnest down --nest "
  [ "$output" = "rootnest" ]
  run c "netnest stop "
  [ "$output" = "" ]
  NETNEST_STATE_DIR="$xdg/netnest/other" run c "netnest stop "
  [ "$output" = "db" ]
}

@test "exec, ns and attach complete nest, sandboxes and netns names as TARGET, PIDs after a digit" {
  run cu "netnest exec "
  [ "$output" = "compns nest web" ]
  run cu "netnest exec -n other "
  [ "$output" = "compns db nest" ]
  run cu "netnest ns w"
  [ "$output" = "web" ]
  run cu "netnest attach myname "
  [ "$output" = "compns nest web" ]
  run cu "netnest attach -d "
  [ "$output" = "compns" ]
  run c "netnest exec "
  [ "$output" = "compns nest rootns" ]
  run c "netnest attach -d "
  [ "$output" = "rootns" ]
  run c "netnest exec $$"
  [[ " $output " == *" $$ "* ]]
  for w in $output; do [[ $w == "$$"* && -d /proc/$w ]]; done
  run c "netnest ns /proc/sel"
  [ "$output" = "/proc/self" ]
}

@test "after exec TARGET, exec --all and run, the command is completed, and -- is offered first" {
  run c "netnest exec nest "
  [ "$output" = "--" ]
  run c "netnest run -d -p 8080:80 "
  [ "$output" = "--" ]
  for line in "netnest exec nest -- ech" "netnest exec nest ech" "netnest exec --all -- ech" \
    "netnest run --name web -p 8080:80 -- ech" "netnest run ech"; do
    run c "$line"
    echo "$line: $output"
    [[ " $output " == *" echo "* ]]
  done
  # words after the command are not netnest's: no netnest option is offered there
  run c "netnest run -- ls --ne"
  [[ $output != *--nest* ]]
}

@test "port rm completes the IDs port ls prints" {
  run c "$tmp/netnest port rm "
  [ "$output" = "1 7" ]
  run c "$tmp/netnest port "
  [ "$output" = "add list ls remove rm" ]
}

@test "ls --type completes the namespace types, topo --svg a file, peer the interfaces" {
  run c "netnest ls --type "
  [ "$output" = "cgroup ipc mnt net pid time user uts" ]
  run c "netnest ls --type=n"
  [ "$output" = "net" ]
  run c "netnest topo --svg $tmp/comp."
  [ "$output" = "$tmp/comp.sh" ]
  run c "netnest peer l"
  [[ " $output " == *" lo "* ]]
  run c "netnest peer -n $$ l"
  [[ " $output " == *" lo "* ]]
}

@test "with the bash-completion package loaded, the answers are the same" {
  [[ -r /usr/share/bash-completion/bash_completion ]] || skip "bash-completion is not installed"
  for line in "netnest " "netnest stop --nest other " "netnest stop --nest=other " \
    "netnest exec " "netnest port add " "netnest ls --type=n" "netnest up --"; do
    echo "$line: [$(cb "$line")] [$(cu "$line")]"
    [ "$(cb "$line")" = "$(cu "$line")" ]
  done
  run cb "netnest exec nest -- ech"
  [[ " $output " == *" echo "* ]]
  # bash-completion hands the command's own words to the command's completion
  run cb "netnest exec nest -- ls --colo"
  [[ " $output " == *" --color"* ]]
}
