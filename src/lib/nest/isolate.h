/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_ISOLATE_H
#define NN_ISOLATE_H

/*
 * The network engine's isolation (docs/design.md#engine-isolation): once it holds all it
 * needs (the tap fd, libslirp loaded and its instance made), the engine gives up the rest,
 * as passt's isolation.c does for itself and beyond slirp4netns --enable-sandbox
 * --enable-seccomp (docs/facts-slirp.md#slirp4netns-sandbox).
 */

#include "err.h"

/* The engine's RLIMIT_NOFILE, soft and hard, unless the inherited hard limit is lower:
 * libslirp holds one host socket per guest TCP connection or UDP flow. */
#define NN_ENGINE_NOFILE 65536

/**
 * nn_isolate_engine() - leave the calling process (the engine) able to see nothing
 *
 * In this order, each step needing what the one before still had:
 * - root: a new mount namespace (in the caller's user namespace, the nest's when rootless)
 *   whose root is an empty read-only tmpfs (nodev, noexec, nosuid, 16 KiB, 4 inodes) put
 *   in place with pivot_root(".", ".") over /tmp and the old root detached (pivot_root(2),
 *   passt isolation.c); no /proc, no /dev.  It holds one file, /etc/resolv.conf, a copy of
 *   the caller's (its first 16 KiB, whole lines), when there is one: libslirp reads that
 *   path to forward DNS (docs/facts-slirp.md#dns);
 * - rlimits: RLIMIT_NOFILE NN_ENGINE_NOFILE (or the lower hard limit), RLIMIT_NPROC,
 *   RLIMIT_CORE, RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, RLIMIT_LOCKS, RLIMIT_NICE and RLIMIT_RTPRIO
 *   0, soft and hard (setrlimit(2));
 * - capabilities: the bounding set emptied (PR_CAPBSET_DROP), the ambient set cleared,
 *   then effective, permitted and inheritable zeroed with capset(2) (capabilities(7));
 * - PR_SET_NO_NEW_PRIVS, then a seccomp filter that allows only the system calls of the
 *   engine's loop and of libslirp, some only with the arguments they use, fails a few
 *   harmless ones with an errno and kills the process on any other (seccomp(2)).
 *
 * The caller must hold what it needs open before: every file (there are none left to
 * open), its fds (any it keeps stay usable), and must be single-threaded (the filter and
 * the capabilities are this thread's).  The process stays dumpable, so its owner can still
 * read /proc/PID/fd (netnest topo finds the tap's holder there).
 * Return: 0, or the negative errno of the step that failed (named in @err); the process is
 * then partly isolated and should exit.
 */
int nn_isolate_engine(struct nn_err *err);

#endif
