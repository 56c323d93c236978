/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_SWEEP_H
#define NN_SWEEP_H

/*
 * The end of every process of a namespace, however it was started (setsid(2), double
 * fork, a container shim, `netnest exec`), found by the namespace it lives in rather than
 * by its parent, and signalled through a pidfd.  Used for a RootlessKit-mode nest (the
 * command's descendants: RootlessKit itself leaves them running when its parent is
 * SIGKILLed, docs/rootlesskit.md), for what `exec nest` left in the nest's netns at
 * `down`, and for a sandbox's processes, the ones of its netns, at `stop`, `down` and the
 * exit of its main process (docs/sandboxes.md#the-sandboxs-processes).
 */

#include <sched.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/**
 * nn_sweep() - end every process in some namespaces, except the caller, until none is left
 * @nsfds:      nsfs fds of the namespaces, all of one @type (borrowed; an open fd keeps its
 *              namespace, so no other namespace can have its inode number meanwhile)
 * @n:          how many (0: nothing to do)
 * @type:       CLONE_NEWUSER: processes whose user namespace is one of @nsfds or a
 *              descendant of one (ioctl(2) NS_GET_PARENT up the chain, ioctl_ns(2));
 *              CLONE_NEWNS: processes whose mount namespace is one of @nsfds; CLONE_NEWNET:
 *              whose network namespace (their main thread's, proc(5)) is one of @nsfds
 * @grace_ms:   negative: SIGKILL at once; else SIGTERM first, once, to every process the
 *              first scan finds, then SIGKILL to whatever is still there (or came since)
 *              after @grace_ms, or nothing once they have all gone before that
 * @timeout_ms: how long to keep scanning /proc for processes still there after SIGKILL
 *
 * Each scan reads /proc; a process found is opened as a pidfd (pidfd_open(2)) and checked
 * again before it is signalled through it (pidfd_send_signal(2)), so a PID reused by a
 * process outside @nsfds meanwhile is never hit.  Zombies are not counted (they have left
 * their namespaces: proc(5)); a process the caller may not inspect (ptrace access mode,
 * ptrace(2)) is not one of these.  New processes forked while the sweep runs are found by
 * the next scan; between scans it sleeps 1 ms, doubling up to 10 ms.  A net or mnt
 * namespace is read with one readlink(2) per process ("net:[INODE]", proc(5): every
 * namespace is on the one nsfs, so the inode names it), about 10 us for one the caller may
 * inspect, so a scan costs some milliseconds per thousand such processes.
 * Return: how many signals were sent, or -ETIMEDOUT if some processes were still there
 * @timeout_ms after SIGKILL, -ENOMEM, or the negative errno of fstat(2) on @nsfds or of
 * opendir(3) on /proc.
 */
int nn_sweep(const int *nsfds, size_t n, int type, int grace_ms, int timeout_ms);

/**
 * nn_sweep_sparing() - nn_sweep(), reading no process of @spare
 * @nsfds, @n, @type, @grace_ms, @timeout_ms: as for nn_sweep()
 * @spare:  PIDs the caller knows are in none of @nsfds, sorted (nn_sweep_sort_spare()):
 *          the main processes of the other live sandboxes, each seen in its own netns
 *          when it joined; borrowed.  A readlink(2) each is what a scan costs, so with
 *          1000 sandboxes alive this is most of the scan.  A PID in @spare is not another
 *          process's during the sweep even if its own exits meanwhile: PIDs are handed out
 *          in turn up to pid_max (kernel/pid.c alloc_pid(), idr_alloc_cyclic()).
 * @nspare: how many (0: none)
 *
 * Return: as nn_sweep().
 */
int nn_sweep_sparing(const int *nsfds, size_t n, int type, const pid_t *spare, size_t nspare,
		     int grace_ms, int timeout_ms);

/**
 * nn_sweep_sort_spare() - sort @n PIDs of @pids in place for nn_sweep_sparing()
 */
void nn_sweep_sort_spare(pid_t *pids, size_t n);

/**
 * nn_sweep_find() - a descriptor of the namespace of @type whose nsfs inode is @ino,
 * opened through a process in it, for nn_sweep() when nothing else holds it (the daemon of
 * a nest is gone and left processes in its user namespace)
 * @type: CLONE_NEWUSER or CLONE_NEWNET
 * @ino:  the inode ("user:[INODE]" in /proc/PID/ns/user, proc(5))
 *
 * Scans /proc with one readlink(2) per process the caller may inspect (ptrace access mode,
 * ptrace(2)), and checks the inode again on the descriptor it opens.
 * Return: the descriptor (O_CLOEXEC; the caller closes it), -ENOENT when no process the
 * caller may inspect is in it, or the negative errno of opendir(3).
 */
int nn_sweep_find(int type, unsigned long long ino);

#endif
