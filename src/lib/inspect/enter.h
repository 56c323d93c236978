/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_ENTER_H
#define NN_ENTER_H

/*
 * Naming a netns the way users do (a PID, a name in /run/netns, a path, a netnest sandbox
 * name, or "nest") and entering it in the manner of `ip netns exec` and `nsenter -U -n`
 * (docs/facts-netns.md#entering-a-netns and docs/facts-netns.md#ip-netns-exec).
 */

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "err.h"

#define NN_NETNS_RUN_DIR "/run/netns" /* iproute2 NETNS_RUN_DIR */
#define NN_NETNS_ETC_DIR "/etc/netns" /* iproute2 NETNS_ETC_DIR */

enum nn_target_kind {
	NN_TARGET_PID,     /* a process: /proc/PID/ns/net */
	NN_TARGET_NAME,    /* an entry of /run/netns or $XDG_RUNTIME_DIR/netns */
	NN_TARGET_PATH,    /* any nsfs file */
	NN_TARGET_SANDBOX, /* $STATE/sandboxes/NAME.json of a nest */
	NN_TARGET_NEST,    /* the nest's detached netns: /proc/<child_pid>/root<STATE>/netns */
};

struct nn_target {
	enum nn_target_kind kind;
	char label[PATH_MAX + 32]; /* for messages: "pid 123", "netns blue", "nest default" */
	char name[NAME_MAX + 1];   /* NAME only: the bare name (for /etc/netns/NAME) */
	char path[PATH_MAX];       /* the nsfs path the netns was opened from */
	pid_t pid;                 /* process that goes with it (PID, sandbox, nest daemon), or 0 */
	int netfd;                 /* pinned netns */
	int userfd;                /* user ns of @pid (-1 without one): entered when needed */
	int mntfd;                 /* mount ns to enter so paths resolve (nest, sandbox), or -1 */
};

/**
 * nn_target_resolve() - open the netns named by @spec, and what goes with it
 * @spec: "nest", a PID, a path (contains '/'), a name in /run/netns (then
 *        $XDG_RUNTIME_DIR/netns), or a sandbox name of nest @nest, tried in that order;
 *        when @nest is given, its sandbox comes before the names (a name anyone may make
 *        in /run/netns does not shadow it)
 * @nest: nest name for "nest" and sandbox names (state.h); NULL: not given, "default"
 * @t:    filled; every fd is opened here, before anything is entered (nsenter(1) habit);
 *        release with nn_target_close()
 * @err:  error object naming @spec and the reason
 * Return: 0; -ESRCH (no such process, or it exited), -ENOENT (no such name), -ENOTTY
 * (not a namespace file, or an empty placeholder: also for "nest"), -EINVAL (not a netns,
 * or a name ip netns cannot have), other errno.
 */
int nn_target_resolve(const char *spec, const char *nest, struct nn_target *t,
		      struct nn_err *err);

/** nn_target_close() - close the fds of @t (idempotent) */
void nn_target_close(struct nn_target *t);

/**
 * nn_netns_name_ok() - can @name be an entry of /run/netns, as `ip netns` allows?
 * @name: the name
 * @why:  set to the reason when it cannot, a phrase after "netns name 'NAME' " (static)
 *
 * Not empty, no '/', not "." or "..", at most NAME_MAX bytes (iproute2 ip/ipnetns.c
 * is_valid_netns_name(); a longer name cannot be a file name, path_resolution(7)).
 * Return: true or false.
 */
bool nn_netns_name_ok(const char *name, const char **why);

/* What nn_enter() did beyond the setns calls, for the verb to tell the user. */
struct nn_enter_info {
	bool entered_userns;   /* the netns's owning user ns was entered first */
	bool sysfs_fresh;      /* a fresh sysfs is on /sys (else /sys is the old one) */
	int sysfs_errno;       /* why not */
	unsigned etc_binds;    /* files of /etc/netns/NAME bound over /etc */
};

/**
 * nn_enter() - move the calling (single-threaded) process into the netns of @t
 * @t:    resolved target
 * @info: filled with what was done
 * @err:  error object
 *
 * 1. setns(netfd, CLONE_NEWNET) (and the mount ns for nest/sandbox); on EPERM, enter the
 *    user ns first (@t->userfd, else NS_GET_USERNS of the netns) and retry: the owner
 *    of a rootless netns lacks CAP_SYS_ADMIN over it until then (net/core/net_namespace.c
 *    netns_install; nsenter(1) two-pass order).
 * 2. `ip netns exec` semantics (iproute2 lib/namespace.c netns_switch): unshare(CLONE_NEWNS),
 *    make / MS_SLAVE|MS_REC, detach /sys and mount a fresh sysfs (netns-tagged, so
 *    /sys/class/net matches); EPERM/EACCES there (a user ns with a locked /sys,
 *    nestybox/sysbox#66) keeps the old /sys and is reported in @info, not an error.
 * 3. For NAME targets, bind each /etc/netns/NAME/X over /etc/X (ip-netns(8)).
 * Return: 0, or negative errno of setns(2)/unshare(2)/mount(2) with @err naming @t.
 */
int nn_enter(const struct nn_target *t, struct nn_enter_info *info, struct nn_err *err);

/**
 * nn_run_wait() - fork, exec @argv (PATH search), wait, and give its status as an exit code
 * @argv:     NULL-terminated command
 * @not_run:  set to true when the command could not be executed (the error is execvp(3)'s)
 * @err:      error object
 * Return: the child's exit code, 128 + signal number if it was killed, or negative errno
 * when it could not be executed (execvp(3): -ENOENT, -EACCES; *@not_run true) or
 * pipe(2)/fork(2)/waitpid(2) failed.
 */
int nn_run_wait(char *const argv[], bool *not_run, struct nn_err *err);

#endif
