/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_RK_H
#define NN_RK_H

/*
 * The top process of the rootlesskit verb, RootlessKit's "parent" (RootlessKit
 * pkg/parent/parent.go): its state dir, then, once the nest runs (nn_nest_start() with
 * a child config), the wait that passes every signal on to the child and ends with the
 * command's exit status.
 */

#include <limits.h>

#include "err.h"
#include "nest.h"

/**
 * nn_rk_state_dir() - RootlessKit's state dir, made
 * @given: --state-dir, or NULL/"" for none
 * @out:   PATH_MAX bytes: @given made absolute against the working directory and cleaned,
 *         created with its missing parents, mode 0755 (Go's os.MkdirAll(dir, 0755)); or,
 *         without @given, a new "$TMPDIR/rootlesskitNNNN" (default /tmp), mode 0700, NNNN
 *         a random uint32 in decimal (Go's os.MkdirTemp("", "rootlesskit"))
 * @err:   error object naming --state-dir or the dir
 *
 * The whole dir is removed when the nest ends (RootlessKit's defer os.RemoveAll), also
 * one given by --state-dir; so a given dir must be empty or one an earlier instance left
 * (it holds "lock"): anything else is refused, where RootlessKit would clear it.
 * Return: 0; -ENOTEMPTY for a dir with other files; -ENAMETOOLONG; the negative errno of
 * getcwd(3), mkdir(2) or opendir(3).
 */
int nn_rk_state_dir(const char *given, char out[PATH_MAX], struct nn_err *err);

/**
 * nn_rk_wait() - wait for a RootlessKit-mode nest to end, passing every signal on to
 * RootlessKit's child (which passes it on to the command)
 * @st:        from nn_nest_start() with a child config; @st->sock is closed here
 * @state_dir: the nest's state dir, removed here when the daemon was killed
 * @err:       the daemon's last word, when it had one (@err->code set): why the command
 *             could not run, or why the nest stopped under it; or that the daemon was
 *             killed (a signal it could not handle, SIGKILL)
 *
 * Signals go through a pidfd of the child (pidfd_open(2), pidfd_send_signal(2)), so a
 * PID reused after it exited is never hit.  When the daemon itself is killed, it cannot
 * end what the nest started nor remove the state dir; then this does both: every process
 * of the nest's user namespace is SIGKILLed by PID (nn_sweep()), never the caller's own
 * namespace (a root nest has none of its own), and the state dir is cleared and removed.
 * Return: the command's exit status (255 when a signal ended it), 1 when the nest failed.
 */
int nn_rk_wait(struct nn_nest_start *st, const char *state_dir, struct nn_err *err);

#endif
