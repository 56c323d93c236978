// SPDX-License-Identifier: GPL-2.0-or-later
/* ns.c - namespace identity: types, nsfs fds, owners (see ns.h) */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <linux/nsfs.h>

#include "ns.h"
#include "proc.h"
#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080 /* include/uapi/linux/sched.h, Linux 5.6 */
#endif

static const struct {
	const char *name;
	int flag;
	uint64_t init_ino; /* fixed inode of the initial namespace, 0 if dynamic */
} types[NN_NS_NTYPES] = {
	/* include/linux/proc_ns.h, include/uapi/linux/nsfs.h enum init_ns_ino (6.18) */
	[NN_NS_MNT]    = { "mnt",    CLONE_NEWNS,     0xEFFFFFF8u },
	[NN_NS_NET]    = { "net",    CLONE_NEWNET,    0xEFFFFFF9u },
	[NN_NS_PID]    = { "pid",    CLONE_NEWPID,    0xEFFFFFFCu },
	[NN_NS_UTS]    = { "uts",    CLONE_NEWUTS,    0xEFFFFFFEu },
	[NN_NS_IPC]    = { "ipc",    CLONE_NEWIPC,    0xEFFFFFFFu },
	[NN_NS_USER]   = { "user",   CLONE_NEWUSER,   0xEFFFFFFDu },
	[NN_NS_CGROUP] = { "cgroup", CLONE_NEWCGROUP, 0xEFFFFFFBu },
	[NN_NS_TIME]   = { "time",   CLONE_NEWTIME,   0xEFFFFFFAu },
};

const char *nn_ns_type_name(enum nn_ns_type t)
{
	return t < NN_NS_NTYPES ? types[t].name : "?";
}

int nn_ns_type_parse(const char *s, enum nn_ns_type *t)
{
	for (int i = 0; i < NN_NS_NTYPES; i++) {
		if (!strcmp(s, types[i].name)) {
			*t = i;
			return 0;
		}
	}
	return -EINVAL;
}

int nn_nsid_of_fd(int fd, struct nn_nsid *id, struct nn_err *err)
{
	struct stat st;
	enum nn_ns_type t;
	int r = nn_ns_type_of_fd(fd, &t, err);

	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		return nn_err(err, errno, "stat nsfs fd %d", fd);
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	return 0;
}

int nn_ns_type_of_fd(int fd, enum nn_ns_type *t, struct nn_err *err)
{
	int flag = ioctl(fd, NS_GET_NSTYPE);

	if (flag < 0) {
		if (errno == ENOTTY)
			return nn_err(err, ENOTTY, "fd %d is not a namespace file (nsfs)", fd);
		if (errno == EINVAL)
			return nn_err(err, ENOSYS, "NS_GET_NSTYPE on fd %d (kernel older than 4.11)",
				      fd);
		return nn_err(err, errno, "NS_GET_NSTYPE on fd %d", fd);
	}
	for (int i = 0; i < NN_NS_NTYPES; i++) {
		if (types[i].flag == flag) {
			*t = i;
			return 0;
		}
	}
	return nn_err(err, ENOSYS, "fd %d: namespace type 0x%x unknown to netnest", fd, flag);
}

int nn_ns_owner(int fd, uint64_t *ino, uid_t *uid, struct nn_err *err)
{
	_cleanup_close_ int ufd = ioctl(fd, NS_GET_USERNS);
	struct stat st;

	*ino = 0;
	*uid = (uid_t)-1;
	if (ufd < 0) {
		if (errno == EPERM)
			return 0; /* owner outside our user namespace */
		return nn_err(err, errno, "NS_GET_USERNS on fd %d", fd);
	}
	if (fstat(ufd, &st) < 0)
		return nn_err(err, errno, "stat owning user namespace of fd %d", fd);
	*ino = st.st_ino;
	if (ioctl(ufd, NS_GET_OWNER_UID, uid) < 0) {
		*uid = (uid_t)-1;
		return nn_err(err, errno, "NS_GET_OWNER_UID of user:[%llu]",
			      (unsigned long long)st.st_ino);
	}
	return 0;
}

bool nn_ns_is_initial(enum nn_ns_type t, struct nn_nsid id)
{
	/* PID 1's namespaces do not change: look once per type (ls asks for every entry) */
	static struct { bool looked, known; struct nn_nsid id; } init[NN_NS_NTYPES];
	char path[64];
	struct stat st;

	if (t >= NN_NS_NTYPES)
		return false;
	if (!init[t].looked) {
		snprintf(path, sizeof(path), "/proc/1/ns/%s", types[t].name);
		init[t].looked = true;
		init[t].known = stat(path, &st) == 0;
		if (init[t].known)
			init[t].id = (struct nn_nsid){ st.st_dev, st.st_ino };
	}
	if (init[t].known)
		return nn_nsid_equal(init[t].id, id);
	return id.ino == types[t].init_ino;
}

int nn_ns_open_pid(pid_t pid, enum nn_ns_type t, struct nn_err *err)
{
	char path[64];
	int fd;

	if (t >= NN_NS_NTYPES)
		return nn_err(err, EINVAL, "open namespace of pid %d: bad type %d", (int)pid, t);
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, types[t].name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if ((errno == ENOENT || errno == ESRCH) && nn_proc_exited(pid))
			return nn_err(err, ESRCH, "open %s: process %d has exited (a zombie its "
				      "parent has not reaped), so it has no namespaces", path,
				      (int)pid);
		if (errno == ENOENT || errno == ESRCH)
			return nn_err(err, ESRCH, "open %s: process %d does not exist", path,
				      (int)pid);
		return nn_err(err, errno, "open %s", path);
	}
	return fd;
}

/* file_kind() - what a non-regular file is, for "X is a KIND, not a namespace file" */
static const char *file_kind(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFDIR: return "directory";
	case S_IFCHR: return "character device";
	case S_IFBLK: return "block device";
	case S_IFIFO: return "FIFO";
	case S_IFSOCK: return "socket";
	default: return "special file";
	}
}

/* dangling() - @path is a symlink whose target is missing: say so, and why if we can */
static int dangling(const char *path, int e, struct nn_err *err)
{
	char target[PATH_MAX];
	ssize_t l = readlink(path, target, sizeof(target) - 1);
	int pid, n = 0;

	if (l <= 0)
		return nn_err(err, e, "open %s", path);
	target[l] = '\0';
	if (sscanf(target, "/proc/%d/%n", &pid, &n) == 1 && n > 0)
		return nn_err(err, e, "open %s: a stale symlink to %s (its process is gone)",
			      path, target);
	return nn_err(err, e, "open %s: a dangling symlink to %s", path, target);
}

int nn_ns_open_any(const char *path, enum nn_ns_type *t, struct nn_err *err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	/*
	 * Every nsfs file is a regular file.  Anything else is refused before it is opened:
	 * opening a device can have effects (/dev/watchdog), a socket cannot be opened.
	 */
	if (stat(path, &st) < 0) {
		if (errno == ENOENT || errno == ESRCH)
			return dangling(path, errno, err);
		return nn_err(err, errno, "open %s", path);
	}
	if (!S_ISREG(st.st_mode))
		return nn_errx(err, ENOTTY, "%s is a %s, not a namespace file", path,
			       file_kind(st.st_mode));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT || errno == ESRCH)
			return dangling(path, errno, err);
		return nn_err(err, errno, "open %s", path);
	}
	r = nn_ns_type_of_fd(fd, t, NULL);
	if (r == -ENOTTY) {
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
			return nn_errx(err, ENOTTY, "%s is an empty file, not a namespace: no nsfs "
				       "is mounted on it in this mount namespace (a bind mount "
				       "that exists only in another mount namespace is opened as "
				       "/proc/PID/root%s of a process there)", path, path);
		return nn_errx(err, ENOTTY, "%s is not a namespace file (not on nsfs)", path);
	}
	if (r < 0)
		return nn_err(err, -r, "read the namespace type of %s", path);
	return steal_fd(&fd);
}

int nn_ns_open_path(const char *path, enum nn_ns_type t, struct nn_err *err)
{
	enum nn_ns_type got;
	_cleanup_close_ int fd = nn_ns_open_any(path, &got, err);

	if (fd < 0)
		return fd;
	if (got != t)
		return nn_errx(err, EINVAL, "%s is a %s namespace, not %s", path, types[got].name,
			       types[t].name);
	return steal_fd(&fd);
}

int nn_userns_creator(int fd, uid_t *uid)
{
	return ioctl(fd, NS_GET_OWNER_UID, uid) < 0 ? -errno : 0;
}
