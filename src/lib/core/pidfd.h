/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_PIDFD_H
#define NN_PIDFD_H

/*
 * Process file descriptors (pidfd_open(2), pidfd_send_signal(2)): a process is signalled
 * and waited for by a descriptor, never by a PID that may be reused.  Debian 12's glibc
 * 2.36 headers have no wrappers, so these call syscall(2).
 */

#include <stdbool.h>
#include <sys/types.h>

/**
 * nn_pidfd_open() - a pidfd for @pid (flags 0: it refers to a thread-group leader)
 * Return: the fd (the caller's; close-on-exec, pidfd_open(2)), or -1 with errno set
 * (ESRCH: no such process).
 */
int nn_pidfd_open(pid_t pid);

/**
 * nn_pidfd_getfd() - a copy of fd @fd of the process behind @pidfd (pidfd_getfd(2), Linux
 * 5.6; needs ptrace access to it)
 * Return: the new fd (the caller's, close-on-exec), or -1 with errno set (EBADF: it has
 * no such fd; EPERM: no ptrace access).
 */
int nn_pidfd_getfd(int pidfd, int fd);

/**
 * nn_pidfd_signal() - send @sig to the process behind @pidfd
 * Return: 0, or -1 with errno set (ESRCH: it has exited).
 */
int nn_pidfd_signal(int pidfd, int sig);

/**
 * nn_pidfd_wait() - wait up to @ms milliseconds (-1: forever) for the process behind
 * @pidfd to exit (the fd polls readable then, pidfd_open(2))
 * Return: true if it did.
 */
bool nn_pidfd_wait(int pidfd, int ms);

/**
 * nn_pidfd_terminate() - SIGTERM (when @grace_ms >= 0), then SIGKILL after @grace_ms, then
 * wait up to @kill_ms for the exit
 * @pidfd:    the process (borrowed)
 * @grace_ms: how long SIGTERM has; negative: SIGKILL at once
 * @kill_ms:  how long to wait after SIGKILL (longer means uninterruptible sleep)
 * Return: 0 once it has exited of SIGTERM (or before it), 1 once it has exited after
 * SIGKILL, -ETIMEDOUT if it is still there, or the negative errno of pidfd_send_signal(2)
 * other than ESRCH.
 */
int nn_pidfd_terminate(int pidfd, int grace_ms, int kill_ms);

#endif
