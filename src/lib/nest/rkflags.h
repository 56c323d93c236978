/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_RKFLAGS_H
#define NN_RKFLAGS_H

/*
 * RootlessKit's command line (rootlesskit 1.1 cmd/rootlesskit/main.go, with 2.x's
 * --detach-netns), parsed the way urfave/cli v2 parses it on top of Go's flag package
 * (go/src/flag/flag.go FlagSet.parseOne): --x=v, --x v, -x=v and -x v are one flag; a
 * bool takes only --b or --b=VALUE; the last of a repeated flag wins, --copy-up and
 * --publish append (not split on commas); parsing stops at the first word that is not a
 * flag, and a lone "--" ends the flags and is dropped.  Then the flags are checked and
 * turned into a nest config and a child config, every flag netnest cannot honour refused
 * by name (docs/rootlesskit.md has the table).  Pure: no system call, for the unit tests.
 */

#include <stdbool.h>
#include <stddef.h>

#include "child.h"
#include "err.h"
#include "nest.h"

enum nn_rk_id {
	NN_RK_DEBUG, NN_RK_HELP, NN_RK_VERSION,
	NN_RK_COPY_UP, NN_RK_COPY_UP_MODE, NN_RK_PROPAGATION,
	NN_RK_NET, NN_RK_MTU, NN_RK_CIDR, NN_RK_IFNAME, NN_RK_DISABLE_HOST_LOOPBACK,
	NN_RK_IPV6, NN_RK_DETACH_NETNS,
	NN_RK_LXC_USER_NIC_BINARY, NN_RK_LXC_USER_NIC_BRIDGE,
	NN_RK_SLIRP4NETNS_BINARY, NN_RK_SLIRP4NETNS_SANDBOX, NN_RK_SLIRP4NETNS_SECCOMP,
	NN_RK_VPNKIT_BINARY, NN_RK_PASTA_BINARY,
	NN_RK_PORT_DRIVER, NN_RK_PUBLISH, NN_RK_SOURCE_IP_TRANSPARENT,
	NN_RK_PIDNS, NN_RK_CGROUPNS, NN_RK_UTSNS, NN_RK_IPCNS, NN_RK_REAPER,
	NN_RK_EVACUATE_CGROUP2,
	NN_RK_STATE_DIR, NN_RK_SUBID_SOURCE,
	NN_RK_NFLAGS
};

enum nn_rk_type { NN_RK_BOOL, NN_RK_STRING, NN_RK_INT, NN_RK_SLICE };

/* One flag, in the order and categories of RootlessKit's --help. */
struct nn_rk_flag {
	enum nn_rk_id id;
	const char *name;     /* "copy-up" (given as --copy-up or -copy-up) */
	const char *alias;    /* "p", "h", "v", or NULL */
	enum nn_rk_type type;
	const char *category; /* help heading: "Misc", "Mount", "Network", ... */
	const char *usage;    /* help text, with its "(default: ...)" */
};

/* Every flag, ended by an entry whose name is NULL. */
extern const struct nn_rk_flag nn_rk_flags[];

/* The command line as given: the last value of each flag, before any check. */
struct nn_rk_opts {
	int given[NN_RK_NFLAGS];        /* how many times each flag was given */
	const char *val[NN_RK_NFLAGS];  /* string and int flags: the last value */
	bool on[NN_RK_NFLAGS];          /* bool flags: the last value */
	long num[NN_RK_NFLAGS];         /* int flags: the last value */
	const char **list[NN_RK_NFLAGS];/* slice flags: every value, in order (heap) */
	size_t nlist[NN_RK_NFLAGS];
	char **argv;                    /* the command (a tail of the parsed argv), NULL-ended */
	int argc;                       /* 0: no command */
};

/**
 * nn_rk_parse() - parse RootlessKit's command line
 * @argc: number of words in @argv
 * @argv: argv[0] is the program, flags from argv[1]; borrowed (values point into it)
 * @o:    filled (zeroed first); free with nn_rk_opts_free()
 * @err:  on failure, Go's message: "flag provided but not defined: -nope", "flag needs
 *        an argument: -net", "invalid value \"abc\" for flag -mtu: parse error",
 *        "invalid boolean value \"x\" for -pidns: parse error", "bad flag syntax: ---x"
 *        (the flag spelt with one dash, as Go does)
 *
 * --help/-h and --version/-v are flags like the others: the caller looks at
 * @o->on[NN_RK_HELP] before anything else (urfave/cli shows help even with a command).
 * Return: 0, -EINVAL (a usage error: RootlessKit prints "Incorrect Usage." and its help),
 * -ENOMEM.
 */
int nn_rk_parse(int argc, char **argv, struct nn_rk_opts *o, struct nn_err *err);

/** nn_rk_opts_free() - free the slice lists of @o (the rest is borrowed) */
void nn_rk_opts_free(struct nn_rk_opts *o);

/**
 * nn_rk_check() - check the flags in RootlessKit's order and fill the configs
 * @o:     from nn_rk_parse(), with a command
 * @cfg:   from nn_nest_config_init(); sets net, mtu, cidr, tap (--ifname), host loopback,
 *         port_driver, an empty bridge; the state dir is the caller's (nn_rk_state_dir())
 *         and nn_nest_config_finish() is still to be called
 * @child: filled (zeroed first): the command, copy-up dirs (cleaned as Go's
 *         filepath.Clean), propagation, namespaces, reaper, --publish specs; free with
 *         nn_child_config_free(); parent_euid/egid are the caller's to set
 * @err:   a message naming the flag: "--net=vpnkit: not supported by netnest (...)",
 *         "--port-driver=builtin: port driver requires non-host network", "--copy-up=/tmp:
 *         /tmp cannot be copied up", "--propagation=bogus: unknown propagation ...",
 *         "no command specified", ...
 *
 * Accepted and honoured: --net=host|slirp4netns|none (slirp4netns: netnest's engine),
 * --mtu, --cidr, --ifname, --disable-host-loopback (host loopback stays closed unless it
 * is given as =false), --copy-up, --copy-up-mode=tmpfs+symlink, --propagation,
 * --port-driver=none|builtin (slirp4netns with --net=slirp4netns: builtin), --publish,
 * --detach-netns, --ipv6 (with --net=slirp4netns: the engine's IPv6, tap0 fd00::100/64
 * via fd00::2), --pidns, --cgroupns, --utsns, --ipcns, --reaper, --state-dir,
 * --subid-source=auto|static, --slirp4netns-sandbox and --slirp4netns-seccomp (any valid
 * value: the engine is always sandboxed), --slirp4netns-binary=slirp4netns, --debug.
 * Refused by name: --net=pasta|vpnkit|lxc-user-nic|gvisor-tap-vsock,
 * --evacuate-cgroup2, --subid-source=dynamic, the other engines' --*-binary and
 * --lxc-user-nic-bridge, and every combination RootlessKit refuses.
 * Return: 0, -EINVAL, -ENOMEM.
 */
int nn_rk_check(const struct nn_rk_opts *o, struct nn_nest_config *cfg,
		struct nn_child_config *child, struct nn_err *err);

/**
 * nn_rk_clean_path() - Go's filepath.Clean() of an absolute path, in place: one slash
 * between names, no "." names, ".." taking the name before it away, no trailing slash
 * @p: the path, starting with '/'; cleaned in place (never longer)
 */
void nn_rk_clean_path(char *p);

#endif
