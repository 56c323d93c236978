// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sandbox_enter.c - the namespaces of a sandbox: the client side (enter the nest, a pooled
 * or new netns and mount namespace, with a sysfs of that netns and copies of the nest's
 * resolv.conf and hosts of its own) and the pool's mount namespaces made ahead (sandbox.h)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "copyup.h"
#include "pool.h"
#include "rtnl.h"
#include "sandbox.h"
#include "state.h"
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

/*
 * The sandbox's own copies of the nest's resolv.conf and hosts
 * (docs/sandboxes.md#etcresolvconf-and-etchosts): a tmpfs of this mount namespace alone on
 * @state_dir/etc, holding what the nest's files held plus ETC_ROOM, the files written into
 * it and each bound over its place in /etc.
 * The tmpfs lives as long as the mount namespace (or the binds, should the sandbox
 * unmount it), so the copies go with the sandbox and leave nothing in the state dir.
 */
#define ETC_ROOM (64 * 1024) /* what a sandbox may add to its copies, in bytes */
#define ETC_INODES 16 /* the root, the two files, a few a sandbox may make */

static const struct {
	const char *name, *dst;
} etc_files[] = { { "resolv.conf", "/etc/resolv.conf" }, { "hosts", "/etc/hosts" } };

#define ETC_NFILES (sizeof(etc_files) / sizeof(etc_files[0]))

/* @size bytes of @in to @out (both regular files), or fewer if @in is shorter now */
static int copy_out(int in, int out, off_t size)
{
	while (size > 0) {
		ssize_t n = sendfile(out, in, NULL, (size_t)size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		size -= n;
	}
	return 0;
}

/*
 * the tmpfs on @dir, sized for @data bytes of files.  @dir is made by the daemon
 * (sandboxes_setup()) and never here: a sandbox that races `down` must not make it again
 * after the teardown removed it, or the state dir is left behind, not empty.
 */
static int etc_mount(const char *dir, unsigned long long data, struct nn_err *err)
{
	char opts[96];

	snprintf(opts, sizeof(opts), "size=%llu,nr_inodes=%d,mode=0755", data + ETC_ROOM,
		 ETC_INODES);
	if (mount("netnest-etc", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
		return nn_err(err, errno, "mount a tmpfs for the sandbox's /etc files on %s", dir);
	return 0;
}

static int etc_copies(const char *state_dir, struct nn_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX], target[PATH_MAX];
	int src[ETC_NFILES], r = 0;
	unsigned long long data = 0;
	long page = sysconf(_SC_PAGESIZE);
	off_t size[ETC_NFILES];
	size_t i, n;

	if (page <= 0)
		page = 4096;
	if (snprintf(dir, sizeof(dir), "%s/%s", state_dir, NN_STATE_ETC) >= (int)sizeof(dir))
		return nn_err(err, ENAMETOOLONG, "%s/%s", state_dir, NN_STATE_ETC);
	for (n = 0; n < ETC_NFILES; n++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", state_dir, etc_files[n].name);
		src[n] = open(path, O_RDONLY | O_CLOEXEC);
		if (src[n] < 0) {
			r = nn_err(err, errno, "open %s", path);
			goto out;
		}
		if (fstat(src[n], &st) < 0) {
			r = nn_err(err, errno, "stat %s", path);
			n++;
			goto out;
		}
		size[n] = st.st_size;
		data += ((unsigned long long)st.st_size + page - 1) / page * page;
	}
	r = etc_mount(dir, data, err);
	for (i = 0; r == 0 && i < ETC_NFILES; i++) {
		_cleanup_close_ int fd = -1;

		snprintf(path, sizeof(path), "%s/%s", dir, etc_files[i].name);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		/* 0644 whatever the umask: every user in the sandbox reads them */
		if (fd < 0 || fchmod(fd, 0644) < 0)
			r = nn_err(err, errno, "create %s", path);
		else if ((r = copy_out(src[i], fd, size[i])) < 0)
			r = nn_err(err, -r, "copy %s/%s to %s", state_dir, etc_files[i].name, path);
		else if ((r = bind_target(etc_files[i].dst, target, err)) == 0 &&
			 mount(path, target, NULL, MS_BIND, NULL) < 0)
			r = nn_err(err, errno, "bind-mount %s over %s", path, target);
	}
out:
	while (n > 0)
		close(src[--n]);
	return r;
}

/*
 * / rslave, a sysfs of the caller's netns on /sys (unless the kernel refuses it: then
 * *@sysfs_refused says why), copies of the nest's resolv.conf and hosts of the sandbox's
 * own bound over the system's (sandbox.h)
 */
static int sandbox_mounts(const char *state_dir, int *sysfs_refused, struct nn_err *err)
{
	int r;

	/* Our mounts stay ours; the nest's later mounts still reach us (RootlessKit rslave). */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return nn_err(err, errno, "make / rslave");
	/* /sys/class/net lists the sandbox's own eth0 and lo, as in a container */
	if ((r = nn_sysfs_fresh(sysfs_refused, err)) < 0 || (r = etc_copies(state_dir, err)) < 0)
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
