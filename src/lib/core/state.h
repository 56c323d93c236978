/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_STATE_H
#define NN_STATE_H

/*
 * The state dir of a nest (docs/design.md#state-dir):
 *   rootless: $XDG_RUNTIME_DIR/netnest/<nest>     as root: /run/netnest/<nest>
 * Files in it (the contract shared by the nest, the sandbox verbs and the inspector):
 *   lock          flock(2)ed LOCK_EX by the live nest daemon
 *   api.sock      control API, mode 0600
 *   child_pid     decimal PID of the nest daemon (the process that lives in the nest's
 *                 user + mount namespaces and in the host netns); written last: ready
 *   engine_pid    decimal PID of the network engine process holding tap0
 *   netns         0-byte placeholder; the nsfs bind mount of the detached netns exists only
 *                 in the daemon's mount namespace: open /proc/<child_pid>/root<dir>/netns
 *   resolv.conf, hosts   what each sandbox starts its own /etc/resolv.conf and
 *                 /etc/hosts with (copies: nest/sandbox_enter.c)
 *   etc/          empty; in each sandbox's mount namespace a tmpfs of its own holding
 *                 those copies, bound over /etc/resolv.conf and /etc/hosts
 *   ipam/<network>/<ip>  host-local leases ("<id>\r\n<ifname>"), last_reserved_ip.0, lock
 *   sandboxes/<name>.json one record per running sandbox (nest/sandbox.h has all of it);
 *                 read outside the daemon, by the inspector (naming and labelling a
 *                 sandbox's netns) and by a stale nest's cleanup, for four fields only:
 *                 "name", "pid", "starttime" (field 22 of /proc/PID/stat, proc.h), so
 *                 a PID reused after the sandbox died is never taken for it, and
 *                 "bypass" (the inspector's label).  Those
 *                 readers go through nn_state_sandbox_read() and nn_state_sandboxes().
 *   log           `up -d`: the daemon's stderr (nest.h nn_nest_log())
 *   userns        rootless: the inode of the nest's user namespace, decimal
 *
 * A detached nest (`up -d`) whose daemon stopped itself on a failure (its engine died)
 * leaves the dir with lock, log and
 *   stopped       one line, "<UTC time> <why>": nn_state_stopped_write(), read by
 *                 nn_state_stopped_read(); the verbs say it instead of "not running"
 * and nothing else; `down` removes it, `up` clears it as any other leftover.
 *
 * netnest as RootlessKit (`netnest rootlesskit`, docs/rootlesskit.md) keeps RootlessKit's
 * state dir instead: --state-dir, or a new $TMPDIR/rootlesskitNNNN, whose absolute path the
 * command finds in $ROOTLESSKIT_STATE_DIR, as under RootlessKit.  Of the files above it has
 * lock and api.sock, and
 *   child_pid     RootlessKit's child, not the daemon: in the nest's netns, or in the
 *                 host's with --detach-netns, when the nest's netns is the netns bind
 *                 mount above seen through /proc/<child_pid>/root (RootlessKit 2)
 *   .engine_pid   the engine's PID, a dot-name (RootlessKit's listing has no such file)
 *   resolv.conf, hosts   only where RootlessKit writes them
 * and no engine_pid, sandboxes or ipam; the nest has no bridge.  So a dir with child_pid
 * but no engine_pid is RootlessKit's, Debian's or netnest's: nn_state_kind().
 */

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "err.h"

#define NN_NEST_DEFAULT "default"
#define NN_NAME_MAX 64 /* longest nest or sandbox name, bytes */

/* The names above that more than one file writes or reads. */
#define NN_STATE_CHILD_PID "child_pid"
#define NN_STATE_ENGINE_PID "engine_pid"
#define NN_STATE_ETC "etc"
#define NN_STATE_RK_ENGINE_PID ".engine_pid"
#define NN_STATE_RK_ENV "ROOTLESSKIT_STATE_DIR"
#define NN_STATE_USERNS "userns" /* rootless: the nest's user namespace inode, decimal */
#define NN_STATE_LOG "log"
#define NN_STATE_STOPPED "stopped"

/**
 * nn_state_dir() - the state dir path of nest @nest for the calling user
 * @nest: nest name (validated with nn_valid_name())
 * @buf:  PATH_MAX bytes for the path
 * @err:  error object
 *
 * Uses $NETNEST_STATE_DIR when set (a whole path, for tests), else the defaults above.
 * Rootless means euid != 0; then $XDG_RUNTIME_DIR must be set.
 * Return: 0, -EINVAL for a bad nest name, a missing or relative $XDG_RUNTIME_DIR or a
 * relative $NETNEST_STATE_DIR, -ENAMETOOLONG when the path does not fit in PATH_MAX.
 */
int nn_state_dir(const char *nest, char buf[PATH_MAX], struct nn_err *err);

/**
 * nn_state_child_pid() - read child_pid of a live nest
 * @dir: state dir
 * @pid: the daemon PID
 * @err: error object
 *
 * Return: 0; -ENOENT (no nest running, or not ready) or -ESRCH (stale: the PID is gone
 * or has exited and is not reaped yet), with @err naming @dir; -EINVAL when child_pid
 * does not hold a PID.
 */
int nn_state_child_pid(const char *dir, pid_t *pid, struct nn_err *err);

/*
 * One sandbox record, as the readers outside the daemon see it: the fields of
 * sandboxes/<name>.json they use (the daemon writes more, nest/sandbox.h).
 */
struct nn_sandbox_rec {
	/* "name"; the file's name when the record has none */
	char name[NN_NAME_MAX + 1];
	/* "pid": the sandbox's process, 1..INT32_MAX */
	pid_t pid;
	/* "starttime" (field 22 of /proc/PID/stat, proc.h); 0 when the record has none */
	unsigned long long starttime;
	/* "netns": the inode of the sandbox's netns; 0 when the record has none */
	unsigned long long netns;
	/* "bypass": true for `run --bypass` (docs/bypass.md); false when absent */
	bool bypass;
};

/**
 * nn_state_sandbox_read() - read the record of sandbox @name of a nest
 * @state_dir: the nest's state dir (nn_state_dir())
 * @name:      sandbox name (checked with nn_valid_name(): no '/', not "..")
 * @rec:       filled with the record; left undefined on failure
 * @err:       error object
 *
 * Reads @state_dir/sandboxes/@name.json.  "pid" must be an integer in 1..INT32_MAX;
 * "starttime", a non-negative integer, and "name", a string of at most NN_NAME_MAX bytes,
 * may be missing (then 0, and @name); "bypass" is true only when it is JSON true.  Other
 * fields are not looked at.  Says nothing
 * about whether the process still runs: nn_state_sandbox_live().
 * Return: 0; -EINVAL for a bad @name ("sandbox name '@name' ..."), for a file that is
 * not JSON ("read PATH: <jansson's reason>") or not an object with a valid "pid" ("read
 * PATH: no \"pid\""); the negative errno of open(2) (-ENOENT: no such sandbox, -ENOTDIR,
 * -EACCES) with @err naming the path.
 */
int nn_state_sandbox_read(const char *state_dir, const char *name, struct nn_sandbox_rec *rec,
			  struct nn_err *err);

/**
 * nn_state_sandbox_live() - is the process of @rec still the sandbox's?
 * @rec: a record from nn_state_sandbox_read() or nn_state_sandboxes()
 *
 * True when /proc/<pid>/stat can be read and, if @rec has a start time, its field 22
 * (proc.h nn_proc_stat()) is that start time: a PID reused by another process after the
 * sandbox died is not taken for it.  A zombie still counts as live.
 * Return: true or false.
 */
bool nn_state_sandbox_live(const struct nn_sandbox_rec *rec);

/**
 * nn_state_sandboxes() - call @fn for each sandbox record of a nest
 * @state_dir: the nest's state dir
 * @fn:        called with each record that nn_state_sandbox_read() accepts (in readdir(3)
 *             order) and @arg; the record is valid during the call only.  A non-zero
 *             return stops the walk, and is returned.
 * @arg:       passed to @fn
 *
 * Looks at the "*.json" files of @state_dir/sandboxes; the ones that cannot be read or
 * are not records are skipped, as is a missing sandboxes dir (no sandbox ever ran).
 * Return: 0 when every record was visited, or what @fn returned to stop.
 */
int nn_state_sandboxes(const char *state_dir,
		       int (*fn)(const struct nn_sandbox_rec *rec, void *arg), void *arg);

/* What made a state dir, by the files in it (above). */
enum nn_state_kind {
	/* no child_pid: not a state dir, or not ready yet */
	NN_STATE_NONE,
	/* child_pid and engine_pid: netnest up */
	NN_STATE_NEST,
	/* child_pid alone: RootlessKit, or netnest rootlesskit */
	NN_STATE_ROOTLESSKIT,
};

/**
 * nn_state_kind() - what made the state dir @dir, by the files in it
 * @dir: the dir; it may be seen through another process's root ("/proc/PID/root/...")
 *
 * Looks only at which files exist (stat(2)), so a dir left by a killed nest or
 * RootlessKit still has a kind: nn_state_child_pid() says whether it is live.
 * Return: the kind; NN_STATE_NONE also when @dir cannot be read.
 */
enum nn_state_kind nn_state_kind(const char *dir);

/**
 * nn_state_mkdir() - create a state dir and its missing parents, each mode 0700
 * @path: the state dir (from nn_state_dir())
 * @err:  error object naming the directory that could not be made
 * Return: 0 (also when it exists), or the negative errno of mkdir(2).
 */
int nn_state_mkdir(const char *path, struct nn_err *err);

/**
 * nn_state_dir_ours() - whether a dir may be cleared as a state dir
 * @dirfd: O_DIRECTORY fd of the dir
 *
 * A state dir holds the file "lock" from its first start on; an empty dir is new.  Any
 * other dir (a user's $NETNEST_STATE_DIR pointing at their files, say) is not one, and
 * nn_state_clear() must not be called on it.
 * Return: true when the dir is empty or holds "lock"; false otherwise, and when it cannot
 * be read.
 */
bool nn_state_dir_ours(int dirfd);

/**
 * nn_state_clear() - remove everything in a state dir (recursively)
 * @dirfd:     O_DIRECTORY fd of the state dir; nothing happens when < 0
 * @keep_lock: true: leave the top-level "lock" file (a restart holds it)
 *
 * A still-mounted netns placeholder is skipped (EBUSY).  Never fails.
 */
void nn_state_clear(int dirfd, bool keep_lock);

/**
 * nn_state_clear_stopped() - nn_state_clear() of all but what a nest that stopped itself
 * leaves: "lock", "log" and "stopped" (above)
 * @dirfd: O_DIRECTORY fd of the state dir; nothing happens when < 0
 *
 * Never fails.
 */
void nn_state_clear_stopped(int dirfd);

/* Why and when a detached nest's daemon stopped itself: the state file "stopped". */
struct nn_state_stopped {
	/* UTC, ISO 8601 to the second: "2026-12-03T14:05:07Z" */
	char when[32];
	/* one line, no newline: "the network engine netnest-engine (pid 4242) was killed by
	 * signal 9 (Killed)" */
	char why[512];
};

/**
 * nn_state_stopped_write() - write the state file "stopped": now, and @why
 * @dirfd: O_DIRECTORY fd of the state dir
 * @why:   why the daemon stopped, one line (a newline in it becomes a space; cut to fit
 *         struct nn_state_stopped)
 * @err:   error object
 *
 * The file, mode 0444, holds one line "<when> <why>\n", as struct nn_state_stopped has
 * them; it is written whole or not at all (nn_write_file()).
 * Return: 0, or the negative errno of nn_write_file() with @err naming the file.
 */
int nn_state_stopped_write(int dirfd, const char *why, struct nn_err *err);

/**
 * nn_state_stopped_read() - read the state file "stopped" of @dir
 * @dir: the state dir
 * @rec: filled on success; left undefined otherwise
 *
 * Return: 0; -ENOENT when there is no such file (or it cannot be read); -EINVAL when it
 * is not "<when> <why>" as nn_state_stopped_write() writes it.
 */
int nn_state_stopped_read(const char *dir, struct nn_state_stopped *rec);

/**
 * nn_state_not_running() - the error for nest @nest, whose state dir @dir has no live daemon
 * @nest: nest name, for the message
 * @dir:  its state dir
 * @err:  error object
 *
 * The one wording of it for every verb: a detached nest that stopped itself left why
 * (nn_state_stopped_read()), which is said.
 * Return: -ENOENT, "no nest named <nest> is running: it stopped at <when>: <why> (log:
 * <dir>/log)" after such a stop, else "no nest named <nest> is running (state dir <dir>)".
 */
int nn_state_not_running(const char *nest, const char *dir, struct nn_err *err);

/**
 * nn_state_remove_dir() - rmdir the state dir, and its parent if that is netnest's own
 * default parent (".../netnest") and now empty.  Never fails.
 * @dir: the state dir (left in place when not empty)
 */
void nn_state_remove_dir(const char *dir);

#endif
