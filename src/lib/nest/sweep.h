/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_SWEEP_H
#define NN_SWEEP_H

/*
 * The end of a RootlessKit-mode nest: every process it started goes, however it was
 * started (setsid(2), double fork, a container shim), found by the namespace it lives in
 * rather than by its parent, and killed by PID.  RootlessKit itself leaves the command's
 * descendants running when its parent is SIGKILLed (docs/rootlesskit.md); this is why
 * netnest does not.
 */

#include <sched.h>

#include "err.h"

/**
 * nn_sweep() - SIGKILL every process in a namespace, except the caller, until none is left
 * @nsfd:       nsfs fd of the namespace (borrowed)
 * @type:       CLONE_NEWUSER: processes whose user namespace is @nsfd's or a descendant
 *              of it (ioctl(2) NS_GET_PARENT up the chain, ioctl_ns(2)); CLONE_NEWNS:
 *              processes whose mount namespace is @nsfd's; CLONE_NEWNET: whose network
 *              namespace (their main thread's, proc(5)) is @nsfd's
 * @timeout_ms: how long to keep scanning /proc for processes still there
 *
 * Zombies are not counted (they have left their namespaces: proc(5)); a process the
 * caller may not inspect (ptrace access mode, ptrace(2)) is not one of these.  New
 * processes forked while the sweep runs are found by the next scan.
 * Return: how many SIGKILLs were sent, or -ETIMEDOUT if some processes were still there after
 * @timeout_ms.
 */
int nn_sweep(int nsfd, int type, int timeout_ms);

#endif
