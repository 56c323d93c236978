/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_CHILD_H
#define NN_CHILD_H

/*
 * RootlessKit's "child" (RootlessKit pkg/child/child.go, docs/rootlesskit.md): forked by
 * the nest daemon in RootlessKit mode, it lives in the nest's user namespace as uid 0 with
 * every capability there, in a mount namespace of its own, and runs the command:
 *
 *   nest daemon --fork--> child (child_pid)          new mount ns [+ pid, uts, ipc, cgroup]
 *                           propagation, copy-up, netns (tap0) and a fresh sysfs, or the
 *                           host netns with $STATE/netns (--detach-netns), resolv.conf
 *                           `--fork+exec--> the command (ROOTLESSKIT_* in its environment)
 *
 * The child forwards every signal it gets to the command, reaps, and exits with the
 * command's status (255 when a signal ended it, as RootlessKit does).
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "nest.h"
#include "portspec.h"

struct nn_child_config {
	char **argv;              /* the command, argv[0] looked up in $PATH (execvp(3)) */
	char **copy_up;           /* --copy-up dirs, absolute and clean, in order */
	size_t ncopy_up;
	unsigned long propagation;/* mount(2) flags for /: MS_PRIVATE, MS_SLAVE or MS_SHARED,
				     with MS_REC or not (--propagation, default rprivate) */
	bool detach_netns;        /* --detach-netns: stay in the host netns, $STATE/netns */
	bool pidns, cgroupns, utsns, ipcns;
	bool reaper;              /* --reaper: reap every orphan (pidns only); setsid(2) */
	uid_t parent_euid;        /* ROOTLESSKIT_PARENT_EUID */
	gid_t parent_egid;        /* ROOTLESSKIT_PARENT_EGID */
	struct nn_portspec *ports;/* --publish, published before child_pid is written */
	size_t nports;
};

/**
 * nn_child_config_free() - free what nn_rk_check() (rkflags.h) put in @c; @c is zeroed
 * @c: the config (argv is borrowed and not freed)
 */
void nn_child_config_free(struct nn_child_config *c);

/**
 * nn_child_copies_etc() - is /etc among the --copy-up dirs of @c?
 * @c: the config
 * Return: true if so (then resolv.conf and hosts are written into the copied /etc).
 */
bool nn_child_copies_etc(const struct nn_child_config *c);

#define NN_RESOLV_CONF_MAX 96 /* nn_child_resolv_conf()'s longest text, and its NUL */

/**
 * nn_child_resolv_conf() - the resolv.conf a nest gives: its engine's DNS addresses
 * @cfg: the nest (dns; ipv6 and dns6)
 * @buf: filled with "nameserver 10.0.2.3\n", then "nameserver fd00::3\n" when the engine
 *       speaks IPv6, as RootlessKit's slirp4netns driver with --ipv6 lists them
 *       (pkg/network/slirp4netns: the DNS of ParentInitNetworkDriverCompleted; pkg/child
 *       generateResolvConf writes one line each), and NUL-terminated
 * Return: the text's length in bytes.
 */
int nn_child_resolv_conf(const struct nn_nest_config *cfg, char buf[NN_RESOLV_CONF_MAX]);

/**
 * nn_child_hosts() - the /etc/hosts a nest gives: the host's /etc/hosts, then
 * "127.0.0.1 <hostname>\n::1 <hostname>\n"
 * @rk:  true: RootlessKit's, a blank line between the two (pkg/network/parentutils
 *       GenerateEtcHosts formats "%s\n127.0.0.1 %s\n::1 %s\n", duplicates kept); false:
 *       netnest up's, a newline added only where the host's file lacks its last one
 * @out: the text, malloc()ed (caller frees)
 * @len: its length
 * @err: error object
 * Return: 0 or -ENOMEM.
 */
int nn_child_hosts(bool rk, char **out, size_t *len, struct nn_err *err);

/* The daemon's side of a running child, from nn_child_start(). */
struct nn_child {
	pid_t pid;   /* host PID: child_pid */
	int sock;    /* SOCK_SEQPACKET to the child: "go", then its exec failure, if any */
};

/**
 * nn_child_start() - fork RootlessKit's child and wait until its namespaces are ready
 * @n:   the live nest, in the daemon: @n->cfg.child, @n->nest_netns (-1 for --net=host),
 *       @n->cfg.state_dir
 * @c:   filled: its PID and the socket to it
 * @err: error object: the child's own message when a step failed, naming the flag
 *       ("--copy-up=/nonexistent: open /nonexistent: No such file or directory")
 *
 * The child, cloned with CLONE_NEWPID for --pidns (it is then PID 1 there, as in
 * RootlessKit), takes PR_SET_PDEATHSIG SIGKILL, unshares its mount namespace (and the
 * cgroup, UTS and IPC ones when asked), sets the propagation of / (mount(2) MS_REC|MS_SLAVE
 * ...), copies up each dir (copyup.h), enters the nest's netns and mounts a fresh sysfs
 * keeping the cgroup mounts (not with --detach-netns or --net=host), writes /etc/resolv.conf
 * and /etc/hosts (into a copied-up /etc, else bind-mounts $STATE/resolv.conf and
 * $STATE/hosts over them), mounts /proc for --pidns, then reports and waits for
 * nn_child_go().  On failure the child is reaped and nothing of it is left.
 * Return: 0, or the child's negative errno; -ECHILD if it died without a word.
 */
int nn_child_start(struct nn_nest *n, struct nn_child *c, struct nn_err *err);

/**
 * nn_child_go() - let the child start the command (once child_pid and api.sock exist)
 * @c:   from nn_child_start()
 * @err: error object
 * Return: 0, or the negative errno of write(2) (the child is gone).
 */
int nn_child_go(struct nn_child *c, struct nn_err *err);

/**
 * nn_child_status() - the exit status the rootlesskit verb gives for the child's wait status
 * @wstatus: from waitpid(2)
 * Return: the exit code, or 255 when a signal ended it (RootlessKit's "exit status 255").
 */
int nn_child_status(int wstatus);

/**
 * nn_child_exit_text() - a wait status in the words of Go's os.ProcessState.String(), which
 * RootlessKit's errors quote: "exit status 3", "signal: terminated", "signal: killed
 * (core dumped)" (strsignal(3)'s name with a lower-case first letter, as Go's table has it)
 * @wstatus: from waitpid(2), of a process that exited or was killed
 * @buf:     receives the words, NUL-terminated
 * @len:     size of @buf (64 is enough)
 */
void nn_child_exit_text(int wstatus, char *buf, size_t len);

#endif
