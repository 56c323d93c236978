// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sweep.c - end every process of some namespaces, scanning /proc until none is left
 * (see sweep.h; ioctl_ns(2) NS_GET_PARENT, user_namespaces(7), proc(5) /proc/PID/ns,
 * pidfd_open(2), pidfd_send_signal(2)).
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

#include "pidfd.h"
#include "proc.h"
#include "sweep.h"
#include "util.h"

#define USERNS_DEPTH_MAX 33 /* 32 nested user namespaces at most (user_namespaces(7)) */
#define NAP_MIN_US 1000 /* the first pause between scans; it doubles up to */
#define NAP_MAX_US 10000

struct targets {
	const struct stat *ns; /* the namespaces, fstat(2)ed */
	size_t n;
	int type;
	const pid_t *spare; /* sorted: processes known to be elsewhere, not read */
	size_t nspare;
};

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static bool spared(const struct targets *t, pid_t pid)
{
	return t->nspare && bsearch(&pid, t->spare, t->nspare, sizeof(pid), cmp_pid);
}

static bool one_of(const struct targets *t, const struct stat *st)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->ns[i].st_dev == st->st_dev && t->ns[i].st_ino == st->st_ino)
			return true;
	return false;
}

/* ... or the one of them whose inode is @ino (all are on nsfs) */
static bool one_ino(const struct targets *t, unsigned long long ino)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->ns[i].st_ino == ino)
			return true;
	return false;
}

/* "user", "net" or "mnt": @type's name under /proc/PID/ns */
static const char *ns_name(int type)
{
	return type == CLONE_NEWUSER ? "user" : type == CLONE_NEWNET ? "net" : "mnt";
}

/* the inode of /proc/@pid/ns/@type, read with one readlink(2) ("net:[INODE]", proc(5):
 * every namespace is on the one nsfs, so the inode says which); 0 when unreadable */
static unsigned long long ns_ino(pid_t pid, int type)
{
	char path[64], link[64];
	unsigned long long ino;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns_name(type));
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return 0;
	link[n] = '\0';
	return sscanf(link, "%*[a-z]:[%llu]", &ino) == 1 ? ino : 0;
}

/* Is @pid in one of @t's namespaces, or (user namespaces) in a descendant of one? */
static bool in_ns(pid_t pid, const struct targets *t)
{
	char path[64];
	_cleanup_close_ int fd = -1;

	/* net and mnt: one readlink(2), no descriptor and no nsfs dentry */
	if (t->type != CLONE_NEWUSER)
		return one_ino(t, ns_ino(pid, t->type));
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	for (int depth = 0; fd >= 0 && depth < USERNS_DEPTH_MAX; depth++) {
		struct stat st;
		int parent;

		if (fstat(fd, &st) < 0)
			return false;
		if (one_of(t, &st))
			return true;
		/* EPERM once the parent is outside the caller's own user namespace */
		parent = ioctl(fd, NS_GET_PARENT);
		close(fd);
		fd = parent;
	}
	return false;
}

/*
 * One pass over /proc: send @sig (0: only the permission check, pidfd_send_signal(2)) to
 * every live process of @t but the caller, through a pidfd opened between two checks.
 * Return: how many took it, or the negative errno of opendir(3).
 */
static int scan(const struct targets *t, int sig)
{
	_cleanup_closedir_ DIR *d = opendir("/proc");
	pid_t self = getpid();
	struct dirent *e;
	int hit = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		_cleanup_close_ int pidfd = -1;
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end || pid <= 0 || pid == self || spared(t, (pid_t)pid) ||
		    !in_ns((pid_t)pid, t))
			continue;
		/* the pidfd holds this process; checked again, the PID is still its own */
		pidfd = nn_pidfd_open((pid_t)pid);
		if (pidfd < 0 || !in_ns((pid_t)pid, t) || nn_proc_exited((pid_t)pid))
			continue;
		if (nn_pidfd_signal(pidfd, sig) == 0)
			hit++;
	}
	return hit;
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Scan with @sig until nothing is found (return the signals sent) or @ms have passed. */
static int until_gone(const struct targets *t, int sig, int ms, int *sent)
{
	struct timespec t0;
	useconds_t nap = NAP_MIN_US;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int hit = scan(t, sig);

		if (hit < 0)
			return hit;
		if (sig)
			*sent += hit;
		if (!hit)
			return 0;
		if (elapsed_ms(&t0) > ms)
			return -ETIMEDOUT;
		usleep(nap);
		nap = nap * 2 > NAP_MAX_US ? NAP_MAX_US : nap * 2;
	}
}

int nn_sweep(const int *nsfds, size_t n, int type, int grace_ms, int timeout_ms)
{
	return nn_sweep_sparing(nsfds, n, type, NULL, 0, grace_ms, timeout_ms);
}

void nn_sweep_sort_spare(pid_t *pids, size_t n)
{
	if (n)
		qsort(pids, n, sizeof(*pids), cmp_pid);
}

int nn_sweep_sparing(const int *nsfds, size_t n, int type, const pid_t *spare, size_t nspare,
		     int grace_ms, int timeout_ms)
{
	_cleanup_free_ struct stat *ns = NULL;
	struct targets t = { .n = n, .type = type, .spare = spare, .nspare = nspare };
	int sent = 0, r;

	if (!n)
		return 0;
	ns = calloc(n, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (fstat(nsfds[i], &ns[i]) < 0)
			return -errno;
	t.ns = ns;
	if (grace_ms >= 0) {
		r = scan(&t, SIGTERM);
		if (r <= 0)
			return r;
		sent = r;
		/* the ones that took SIGTERM have @grace_ms to go; then SIGKILL for all */
		r = until_gone(&t, 0, grace_ms, &sent);
		if (r == 0)
			return sent;
		if (r != -ETIMEDOUT)
			return r;
	}
	r = until_gone(&t, SIGKILL, timeout_ms, &sent);
	return r < 0 ? r : sent;
}

int nn_sweep_find(int type, unsigned long long ino)
{
	_cleanup_closedir_ DIR *d = opendir("/proc");
	struct dirent *e;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char *end, path[64];
		long pid = strtol(e->d_name, &end, 10);
		struct stat st;
		int fd;

		if (*end || pid <= 0 || ns_ino((pid_t)pid, type) != ino)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/%s", pid, ns_name(type));
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && fstat(fd, &st) == 0 && st.st_ino == ino)
			return fd;
		if (fd >= 0)
			close(fd);
	}
	return -ENOENT;
}
