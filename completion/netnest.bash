# shellcheck shell=bash
# bash completion for netnest(1): verbs, each verb's options, nest names, sandbox names,
# `ip netns` names, PIDs and paths for the verbs that take a netns, port IDs for `port rm`.
#
# Installed as $datadir/bash-completion/completions/netnest; to try it from the tree:
#   source completion/netnest.bash
# Works with and without the bash-completion package (uses its helpers when loaded).
#
# Where the names come from (src/lib/core/state.c, src/lib/inspect/enter.c, attach.c):
#   nests      the directories in /run/netnest (as root) or $XDG_RUNTIME_DIR/netnest
#   sandboxes  <state dir>/sandboxes/<name>.json of the nest given with --nest (default
#              "default"); the state dir is $NETNEST_STATE_DIR when that is set
#   netns      the entries of /run/netns and $XDG_RUNTIME_DIR/netns
#   PIDs       /proc/[0-9]*, offered once a digit has been typed

_netnest_state_root()
{
	if ((EUID == 0)); then
		printf '%s\n' /run/netnest
	elif [[ -n ${XDG_RUNTIME_DIR-} ]]; then
		printf '%s\n' "$XDG_RUNTIME_DIR/netnest"
	fi
}

_netnest_nests()
{
	local root d
	root=$(_netnest_state_root)
	[[ -n $root && -d $root ]] || return 0
	for d in "$root"/*/; do
		[[ -d $d ]] || continue
		d=${d%/}
		printf '%s\n' "${d##*/}"
	done
}

# _netnest_sandboxes NEST - the sandboxes recorded in NEST's state dir
_netnest_sandboxes()
{
	local dir f
	if [[ -n ${NETNEST_STATE_DIR-} ]]; then
		dir=$NETNEST_STATE_DIR
	else
		dir=$(_netnest_state_root)
		[[ -n $dir ]] || return 0
		dir=$dir/$1
	fi
	for f in "$dir"/sandboxes/*.json; do
		[[ -f $f ]] || continue
		f=${f##*/}
		printf '%s\n' "${f%.json}"
	done
}

# _netnest_netns_names [attach|attach-root] - names in /run/netns and $XDG_RUNTIME_DIR/netns;
# with "attach", only the directory `netnest attach` writes to (/run/netns as root), with
# "attach-root" only /run/netns
_netnest_netns_names()
{
	local dirs=() d f
	if [[ ${1-} == attach-root ]]; then
		dirs=(/run/netns)
	elif [[ ${1-} == attach ]]; then
		if ((EUID == 0)); then
			dirs=(/run/netns)
		elif [[ -n ${XDG_RUNTIME_DIR-} ]]; then
			dirs=("$XDG_RUNTIME_DIR/netns")
		fi
	else
		dirs=(/run/netns)
		[[ -n ${XDG_RUNTIME_DIR-} ]] && dirs+=("$XDG_RUNTIME_DIR/netns")
	fi
	for d in "${dirs[@]}"; do
		[[ -d $d ]] || continue
		for f in "$d"/*; do
			[[ -e $f || -L $f ]] || continue
			printf '%s\n' "${f##*/}"
		done
	done
}

_netnest_pids()
{
	local p
	for p in /proc/[0-9]*; do
		printf '%s\n' "${p#/proc/}"
	done
}

# _netnest_ifnames [PID] - the interfaces of the caller's netns, or of PID's
# (/proc/PID/net/dev shows that process's netns: proc(5))
_netnest_ifnames()
{
	awk -F: 'NR > 2 { gsub(/ /, "", $1); print $1 }' "/proc/${1:-self}/net/dev" 2>/dev/null
}

# _netnest_reply WORD... - the words that start with $cur
_netnest_reply()
{
	local w
	for w in "$@"; do
		[[ $w == "$cur"* ]] && COMPREPLY+=("$w")
	done
}

_netnest_files()
{
	compopt -o filenames 2>/dev/null
	local IFS=$'\n'
	# shellcheck disable=SC2207 # one path per line, IFS is a newline
	COMPREPLY+=($(compgen -f -- "$cur"))
}

# _netnest_target [peer] - a netns TARGET (src/lib/inspect/enter.c nn_target_resolve):
# "nest", a PID, a path, an `ip netns` name or a sandbox of the nest; for peer -n
# (cmd_topo.c open_netns) a PID, a path or a name in /run/netns only
_netnest_target()
{
	if [[ $cur == */* ]]; then
		_netnest_files
		return
	fi
	if [[ $cur == [0-9]* ]]; then
		mapfile -t _nn_w < <(_netnest_pids)
		_netnest_reply "${_nn_w[@]}"
		return
	fi
	if [[ ${1-} == peer ]]; then
		mapfile -t _nn_w < <(_netnest_netns_names attach-root)
		_netnest_reply "${_nn_w[@]}"
		return
	fi
	mapfile -t _nn_w < <(_netnest_sandboxes "$nest"; _netnest_netns_names)
	_netnest_reply nest "${_nn_w[@]}"
}

# _netnest_rootlesskit - RootlessKit's flags (src/lib/nest/rkflags.c), Go's flag syntax:
# --x=v or --x v; the first word that is not a flag starts the command
_netnest_rootlesskit()
{
	local bools="--debug --disable-host-loopback --ipv6 --detach-netns --source-ip-transparent
		--pidns --cgroupns --utsns --ipcns --help --version"
	local vals="--copy-up --copy-up-mode --propagation --net --mtu --cidr --ifname
		--lxc-user-nic-binary --lxc-user-nic-bridge --slirp4netns-binary
		--slirp4netns-sandbox --slirp4netns-seccomp --vpnkit-binary --pasta-binary
		--port-driver --publish --reaper --evacuate-cgroup2 --state-dir --subid-source"
	local i w
	for ((i = 2; i < cword; i++)); do
		w=${words[i]}
		if [[ $w == -- ]]; then
			_netnest_command $((i + 1))
			return
		fi
		if [[ $w != -* ]]; then
			_netnest_command "$i"
			return
		fi
		# --x=v is three words here (COMP_WORDBREAKS has "="): skip the "=" and the value
		if [[ ${words[i + 1]-} == = ]]; then
			i=$((i + 2))
			continue
		fi
		# a value flag (one dash or two) without "=" takes the next word
		[[ $w == *=* ]] && continue
		w=${w#-}
		w=--${w#-}
		[[ " $vals " == *[[:space:]]"$w"[[:space:]]* ]] && i=$((i + 1))
	done
	local flag=$prev
	[[ $prev == = ]] && flag=${words[cword - 2]}
	[[ $cur == = ]] && { flag=$prev; cur=; }
	if [[ $cur == -*=* ]]; then # one word "--x=v" (COMP_WORDBREAKS without "=")
		flag=${cur%%=*}
		flag=${flag#-}
		flag=--${flag#-}
		cur=${cur#*=}
	fi
	case $flag in
	--net) _netnest_reply slirp4netns pasta host none; return ;;
	--port-driver) _netnest_reply builtin none; return ;;
	--propagation) _netnest_reply rprivate private rslave slave; return ;;
	--copy-up | --state-dir) _netnest_files; return ;;
	esac
	# shellcheck disable=SC2086 # the lists are split on purpose
	if [[ $cur == -* ]]; then
		_netnest_reply $bools $vals -h -v
	else
		_netnest_command "$cword"
	fi
}

# _netnest_command I - complete words[I..] as a command line of its own
_netnest_command()
{
	local i=$1
	if ((i == cword)); then
		mapfile -t COMPREPLY < <(compgen -c -- "$cur" | sort -u)
	elif declare -F _command_offset >/dev/null && ((${#words[@]} == ${#COMP_WORDS[@]})); then
		_command_offset "$i"
	else
		_netnest_files
	fi
}

# _netnest_cmdline - run, exec --all: everything after the options (or after "--") is a
# command line; before it is typed, offer "--"
_netnest_cmdline()
{
	if [[ -n $dashdash ]]; then
		_netnest_command $((dashdash + 1))
	elif ((${#pos[@]} > 0)); then
		_netnest_command "${posidx[0]}"
	elif [[ -n $cur ]]; then
		_netnest_command "$cword"
	else
		_netnest_reply --
	fi
}

_netnest()
{
	local cur prev words cword
	if declare -F _get_comp_words_by_ref >/dev/null; then
		_get_comp_words_by_ref -n =: cur prev words cword
	else
		# without bash-completion: split the line up to the cursor on blanks only, so
		# that --nest=NAME and 8080:80 stay one word each (COMP_WORDBREAKS splits them)
		local line=${COMP_LINE:0:COMP_POINT}
		read -ra words <<<"$line"
		[[ $line == *[[:blank:]] || ${#words[@]} -eq 0 ]] && words+=("")
		cword=$((${#words[@]} - 1))
		cur=${words[cword]}
		prev=${words[cword - 1]-}
	fi
	COMPREPLY=()
	local _nn_w=()

	local verbs="up down info run ps stop port exec ns ls topo peer attach rootlesskit"
	if ((cword == 1)); then
		if [[ $cur == -* ]]; then
			_netnest_reply --help --version
		else
			# shellcheck disable=SC2086 # the list is split on purpose
			_netnest_reply $verbs
		fi
		return 0
	fi
	local verb=${words[1]}
	if [[ $verb == rootlesskit ]]; then
		_netnest_rootlesskit
		return 0
	fi

	# options of each verb (src/cmd_*.c), and those of them that take a value
	local opts argopts
	case $verb in
	up)
		opts="-d --detach --nest --net --cidr --mtu --subnet --subnet6 --gateway --allow-host-loopback"
		argopts="--nest --net --cidr --mtu --subnet --subnet6 --gateway" ;;
	down | stop)
		opts="--nest" argopts="--nest" ;;
	info)
		opts="--nest -j --json" argopts="--nest" ;;
	ps)
		opts="--nest --json" argopts="--nest" ;;
	run)
		opts="--nest -d --detach --name --bypass -p --publish"
		argopts="--nest --name -p --publish" ;;
	port)
		opts="-n --nest -j --json" argopts="-n --nest" ;;
	exec)
		opts="-a --all -n --nest" argopts="-n --nest" ;;
	ns)
		opts="-j --json -n --nest" argopts="-n --nest" ;;
	ls)
		opts="-t --type -j --json" argopts="-t --type" ;;
	topo)
		opts="-j --json --dot --svg" argopts="--svg" ;;
	peer)
		opts="-n --netns -j --json" argopts="-n --netns" ;;
	attach)
		opts="-s --symlink -d --delete -l --list -n --nest -j --json" argopts="-n --nest" ;;
	*)
		return 0 ;;
	esac
	opts+=" -h --help"

	# walk the words before the cursor: the nest chosen, flags, and the positional
	# arguments; run and exec stop at their first non-option (getopt "+") or at "--"
	local nest=default netns="" all="" del="" dashdash="" i w
	local pos=() posidx=() stop_opts=""
	[[ -n ${NETNEST_STATE_DIR-} ]] && nest=""
	for ((i = 2; i < cword; i++)); do
		w=${words[i]}
		if [[ -z $stop_opts && $w == -- ]]; then
			dashdash=$i
			stop_opts=1
			continue
		fi
		if [[ -z $stop_opts && $w == -?* ]]; then
			local name=${w%%=*} val=""
			[[ $w == *=* ]] && val=${w#*=}
			if [[ " $argopts " == *" $name "* && $w != *=* ]]; then
				((i++))
				val=${words[i]-}
			fi
			case $verb:$name in
			*:--nest | port:-n | exec:-n | ns:-n | attach:-n) nest=$val ;;
			peer:-n | peer:--netns) netns=$val ;;
			exec:-a | exec:--all) all=1 ;;
			attach:-d | attach:--delete) del=1 ;;
			esac
			continue
		fi
		pos+=("$w")
		posidx+=("$i")
		[[ $verb == run || $verb == exec ]] && stop_opts=1
	done

	# the value of an option
	local opt=$prev
	if [[ $cur == --*=* ]]; then
		opt=${cur%%=*}
		cur=${cur#*=}
	elif [[ -n $stop_opts || " $argopts " != *" $prev "* ]]; then
		opt=""
	fi
	if [[ -n $opt ]]; then
		case $verb:$opt in
		*:--nest | port:-n | exec:-n | ns:-n | attach:-n)
			mapfile -t _nn_w < <(_netnest_nests)
			_netnest_reply "${_nn_w[@]}" ;;
		ls:-t | ls:--type)
			_netnest_reply mnt net pid uts ipc user cgroup time ;;
		up:--net)
			_netnest_reply builtin slirp4netns pasta ;;
		topo:--svg)
			_netnest_files ;;
		peer:-n | peer:--netns)
			_netnest_target peer ;;
		esac
		return 0
	fi

	if [[ -z $stop_opts && $cur == -* ]]; then
		# shellcheck disable=SC2086 # the list is split on purpose
		_netnest_reply $opts
		[[ $verb == run || $verb == exec ]] && _netnest_reply --
		return 0
	fi

	local n=${#pos[@]}
	case $verb in
	stop)
		mapfile -t _nn_w < <(_netnest_sandboxes "$nest")
		_netnest_reply "${_nn_w[@]}" ;;
	port)
		if ((n == 0)); then
			_netnest_reply add ls list rm remove
		elif [[ ${pos[0]} == add ]] && ((n == 1)); then
			mapfile -t _nn_w < <(_netnest_sandboxes "$nest")
			_netnest_reply "${_nn_w[@]}"
		elif [[ ${pos[0]} == rm || ${pos[0]} == remove ]]; then
			mapfile -t _nn_w < <("${words[0]}" port ls --nest "${nest:-default}" 2>/dev/null |
				awk 'NR > 1 { print $1 }')
			_netnest_reply "${_nn_w[@]}"
		fi ;;
	run)
		_netnest_cmdline ;;
	exec)
		if [[ -n $all ]]; then
			_netnest_cmdline
		elif ((n == 0)); then
			_netnest_target
		elif ((n == 1)); then
			# after TARGET: "--", or a command straight away
			if [[ -z $cur || $cur == -* ]]; then
				_netnest_reply --
			else
				_netnest_command "$cword"
			fi
		elif [[ ${pos[1]} == -- ]]; then
			if ((n == 2)); then
				_netnest_command "$cword"
			else
				_netnest_command "${posidx[2]}"
			fi
		else
			_netnest_command "${posidx[1]}"
		fi ;;
	ns)
		_netnest_target ;;
	peer)
		if ((n == 0)); then
			if [[ -z $netns ]]; then
				mapfile -t _nn_w < <(_netnest_ifnames)
			elif [[ $netns =~ ^[0-9]+$ ]]; then
				mapfile -t _nn_w < <(_netnest_ifnames "$netns")
			elif [[ $netns != */* && -e /run/netns/$netns ]] && command -v ip >/dev/null; then
				mapfile -t _nn_w < <(ip -n "$netns" -o link show 2>/dev/null |
					awk -F': ' '{ sub(/@.*/, "", $2); print $2 }')
			fi
			_netnest_reply "${_nn_w[@]}"
		fi ;;
	attach)
		if [[ -n $del ]]; then
			if ((n == 0)); then
				mapfile -t _nn_w < <(_netnest_netns_names attach)
				_netnest_reply "${_nn_w[@]}"
			fi
		elif ((n == 1)); then
			_netnest_target
		fi ;;
	esac
	return 0
}

complete -F _netnest netnest
