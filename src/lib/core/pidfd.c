// SPDX-License-Identifier: GPL-2.0-or-later
/* pidfd.c - signal and wait for a process by its pidfd (see pidfd.h) */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pidfd.h"

int nn_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int nn_pidfd_getfd(int pidfd, int fd)
{
	return (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
}

int nn_pidfd_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

bool nn_pidfd_wait(int pidfd, int ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int r;

	while ((r = poll(&p, 1, ms)) < 0 && errno == EINTR)
		;
	return r > 0;
}

int nn_pidfd_terminate(int pidfd, int grace_ms, int kill_ms)
{
	if (grace_ms >= 0) {
		if (nn_pidfd_signal(pidfd, SIGTERM) < 0 && errno != ESRCH)
			return -errno;
		if (nn_pidfd_wait(pidfd, grace_ms))
			return 0;
	}
	if (nn_pidfd_signal(pidfd, SIGKILL) < 0 && errno != ESRCH)
		return -errno;
	return nn_pidfd_wait(pidfd, kill_ms) ? 1 : -ETIMEDOUT;
}
