// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sandbox_enter.c - the namespaces of a sandbox: the client side (enter the nest, a pooled
 * or new netns and mount namespace, with a sysfs of that netns) and the pool's mount
 * namespaces made ahead (sandbox.h)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "copyup.h"
#include "pool.h"
#include "rtnl.h"
#include "sandbox.h"
#include "util.h"

static int open_ns(pid_t pid, const char *type, struct nn_err *err)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, type);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nn_err(err, errno, "open %s of the nest daemon", path);
	return fd;
}

/*
 * The file to bind over for @path: @path itself, or where its symlink leads (systemd-resolved
 * and resolvconf make /etc/resolv.conf a link).  A dangling link's target is created empty,
 * which works when the mapped root may write there.
 */
static int bind_target(const char *path, char out[PATH_MAX], struct nn_err *err)
{
	struct stat st;
	char link[PATH_MAX];
	ssize_t n;
	int fd;

	if (lstat(path, &st) < 0)
		return nn_err(err, errno, "stat %s", path);
	if (!S_ISLNK(st.st_mode)) {
		snprintf(out, PATH_MAX, "%s", path);
		return 0;
	}
	if (realpath(path, out))
		return 0;
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return nn_err(err, errno, "read symlink %s", path);
	link[n] = '\0';
	if (link[0] != '/')
		snprintf(out, PATH_MAX, "/etc/%s", link);
	else
		snprintf(out, PATH_MAX, "%s", link);
	fd = open(out, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return nn_err(err, errno, "%s is a symlink to %s, which is missing; create it", path,
			      out);
	close(fd);
	return 0;
}

static int bind_file(const char *state_dir, const char *file, const char *dst,
		     struct nn_err *err)
{
	char src[PATH_MAX], target[PATH_MAX];
	int r;

	if (snprintf(src, sizeof(src), "%s/%s", state_dir, file) >= (int)sizeof(src))
		return nn_err(err, ENAMETOOLONG, "%s/%s", state_dir, file);
	r = bind_target(dst, target, err);
	if (r < 0)
		return r;
	if (mount(src, target, NULL, MS_BIND, NULL) < 0)
		return nn_err(err, errno, "bind-mount %s over %s", src, target);
	return 0;
}

/*
 * / rslave, a sysfs of the caller's netns on /sys (unless the kernel refuses it: then
 * *@sysfs_refused says why), the nest's resolv.conf and hosts bound over the system's
 * (sandbox.h)
 */
static int sandbox_mounts(const char *state_dir, int *sysfs_refused, struct nn_err *err)
{
	int r;

	/* Our mounts stay ours; the nest's later mounts still reach us (RootlessKit rslave). */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return nn_err(err, errno, "make / rslave");
	/* /sys/class/net lists the sandbox's own eth0 and lo, as in a container */
	if ((r = nn_sysfs_fresh(sysfs_refused, err)) < 0 ||
	    (r = bind_file(state_dir, "resolv.conf", "/etc/resolv.conf", err)) < 0 ||
	    (r = bind_file(state_dir, "hosts", "/etc/hosts", err)) < 0)
		return r;
	return 0;
}

struct premount {
	const char *state_dir;
	int fd;
};

/*
 * In a thread of nn_netns_call() in the pooled netns: a mount namespace of its own, set up,
 * its fd in arg.  A sysfs the kernel refuses is left to the client (nn_sandbox_enter()).
 */
static int new_mntns(void *arg, struct nn_err *err)
{
	struct premount *p = arg;
	int r;

	if (unshare(CLONE_NEWNS) < 0)
		return nn_err(err, errno, "unshare a mount namespace");
	r = sandbox_mounts(p->state_dir, NULL, err);
	if (r < 0)
		return r;
	p->fd = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (p->fd < 0)
		return nn_err(err, errno, "open /proc/thread-self/ns/mnt");
	return 0;
}

int nn_sandbox_premount(const char *state_dir, int netns, const char *label, struct nn_err *err)
{
	struct premount p = { state_dir, -1 };
	int r = nn_netns_call(netns, label, new_mntns, &p, err);

	if (r < 0) {
		if (p.fd >= 0)
			close(p.fd);
		return nn_err_wrap(err, "%s", label);
	}
	return p.fd;
}

int nn_sandbox_enter(const char *state_dir, pid_t daemon_pid, int *sysfs_refused,
		     struct nn_err *err)
{
	_cleanup_close_ int user = -1, mnt = -1, self_user = -1;
	_cleanup_free_ char *cwd = get_current_dir_name();
	int pooled[NN_POOL_FDS] = { -1, -1 };
	struct stat a, b, sys, now;
	int r;

	*sysfs_refused = 0;
	/* the host's sysfs, to tell it from the sandbox's (a superblock per netns) */
	if (stat("/sys", &sys) < 0)
		sys.st_dev = 0;
	user = open_ns(daemon_pid, "user", err);
	if (user < 0)
		return user;
	self_user = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	if (self_user < 0 || fstat(self_user, &a) < 0 || fstat(user, &b) < 0)
		return nn_err(err, errno, "stat user namespaces");
	/* Rootless: the nest has a user namespace of its own; as root it has none. */
	if (a.st_ino != b.st_ino && setns(user, CLONE_NEWUSER) < 0)
		return nn_err(err, errno, "enter the user namespace of nest daemon %d", daemon_pid);
	/* A netns from the nest's pool, already on the bridge, and a mount namespace already
	 * set up (pool.h); or both made here. */
	r = nn_pool_get(state_dir, pooled, err);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == 0) {
		_cleanup_close_ int net = pooled[0];

		mnt = pooled[1];
		if (setns(net, CLONE_NEWNET) < 0)
			return nn_err(err, errno, "enter a pooled network namespace of the nest");
		if (setns(mnt, CLONE_NEWNS) < 0)
			return nn_err(err, errno, "enter a pooled mount namespace of the nest");
		/* the pool's sysfs was refused: try here, to learn why */
		if (stat("/sys", &now) == 0 && now.st_dev == sys.st_dev &&
		    (r = nn_sysfs_fresh(sysfs_refused, err)) < 0)
			return r;
	} else {
		mnt = open_ns(daemon_pid, "mnt", err);
		if (mnt < 0)
			return mnt;
		if (setns(mnt, CLONE_NEWNS) < 0)
			return nn_err(err, errno, "enter the mount namespace of nest daemon %d",
				      daemon_pid);
		if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
			return nn_err(err, errno, "unshare a network and mount namespace");
		r = sandbox_mounts(state_dir, sysfs_refused, err);
		if (r < 0)
			return r;
	}
	/* setns(CLONE_NEWNS) moved us to the namespace's root (setns(2)); go back. */
	if (cwd && chdir(cwd) < 0 && chdir("/") < 0)
		return nn_err(err, errno, "chdir /");
	return 0;
}
