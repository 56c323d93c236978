// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sweep.c - kill every process of a namespace by PID, scanning /proc until none is left
 * (see sweep.h; ioctl_ns(2) NS_GET_PARENT, user_namespaces(7), proc(5) /proc/PID/ns).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"
#include "sweep.h"
#include "util.h"

#define USERNS_DEPTH_MAX 33 /* 32 nested user namespaces at most (user_namespaces(7)) */

static bool same_ns(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Is @pid in @target, or (user namespaces) in a descendant of it? */
static bool in_ns(pid_t pid, int type, const struct stat *target)
{
	char path[64];
	_cleanup_close_ int fd = -1;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid,
		 type == CLONE_NEWUSER ? "user" : type == CLONE_NEWNET ? "net" : "mnt");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	for (int depth = 0; fd >= 0 && depth < USERNS_DEPTH_MAX; depth++) {
		struct stat st;
		int parent;

		if (fstat(fd, &st) < 0)
			return false;
		if (same_ns(&st, target))
			return true;
		if (type != CLONE_NEWUSER)
			return false;
		/* EPERM once the parent is outside the caller's own user namespace */
		parent = ioctl(fd, NS_GET_PARENT);
		close(fd);
		fd = parent;
	}
	return false;
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

int nn_sweep(int nsfd, int type, int timeout_ms)
{
	struct timespec t0;
	struct stat target;
	pid_t self = getpid();
	int signalled = 0;

	if (fstat(nsfd, &target) < 0)
		return -errno;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		_cleanup_closedir_ DIR *d = opendir("/proc");
		struct dirent *e;
		int found = 0;

		if (!d)
			return -errno;
		while ((e = readdir(d))) {
			char *end;
			long pid = strtol(e->d_name, &end, 10);

			if (*end || pid <= 0 || pid == self || !in_ns((pid_t)pid, type, &target) ||
			    nn_proc_exited((pid_t)pid))
				continue;
			if (kill((pid_t)pid, SIGKILL) == 0) {
				found++;
				signalled++;
			}
		}
		if (!found)
			return signalled;
		if (elapsed_ms(&t0) > timeout_ms)
			return -ETIMEDOUT;
		usleep(10000);
	}
}
