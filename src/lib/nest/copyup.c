// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * copyup.c - the mounts of RootlessKit's child: copy-up in tmpfs+symlink mode, a fresh
 * sysfs keeping the cgroup mounts, a fresh /proc (see copyup.h; RootlessKit
 * pkg/copyup/tmpfssymlink/tmpfssymlink.go and pkg/child/child.go; mount(2), open_tree(2),
 * move_mount(2), mount_namespaces(7)).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "copyup.h"
#include "util.h"

/* a detached copy of the mount tree at @path, submounts included (a recursive bind) */
static int clone_tree(const char *path)
{
	return open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
}

/* @dir/.roNNNN, NNNN a random uint32 in decimal (Go's os.MkdirTemp(dir, ".ro")) */
static int make_ro_dir(const char *dir, char ro[32], struct nn_err *err)
{
	char path[PATH_MAX];

	for (int i = 0; i < 100; i++) {
		uint32_t n;

		if (getrandom(&n, sizeof(n), 0) != sizeof(n))
			n = (uint32_t)getpid() * 2654435761u + (uint32_t)i;
		snprintf(ro, 32, ".ro%u", n);
		snprintf(path, sizeof(path), "%s/%s", dir, ro);
		if (mkdir(path, 0700) == 0)
			return 0;
		if (errno != EEXIST)
			return nn_err(err, errno, "mkdir %s", path);
	}
	return nn_errx(err, EEXIST, "mkdir %s/.roNNNN: every name taken", dir);
}

/* each entry x of @dir/@ro becomes the symlink @dir/x (tmpfssymlink.go, Plan) */
static int link_entries(const char *dir, const char *ro, struct nn_err *err)
{
	char path[PATH_MAX], target[PATH_MAX];
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_close_ int dfd = -1;
	struct dirent *e;

	snprintf(path, sizeof(path), "%s/%s", dir, ro);
	d = opendir(path);
	if (!d)
		return nn_err(err, errno, "open %s", path);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return nn_err(err, errno, "open %s", dir);
	while ((errno = 0, e = readdir(d))) {
		struct stat st;
		ssize_t n;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return nn_err(err, errno, "stat %s/%s", path, e->d_name);
		if (S_ISLNK(st.st_mode)) {
			n = readlinkat(dirfd(d), e->d_name, target, sizeof(target) - 1);
			if (n < 0)
				return nn_err(err, errno, "readlink %s/%s", path, e->d_name);
			target[n] = '\0';
		} else {
			snprintf(target, sizeof(target), "%s/%s", ro, e->d_name);
		}
		if (symlinkat(target, dfd, e->d_name) < 0)
			return nn_err(err, errno, "symlink %s/%s -> %s", dir, e->d_name, target);
	}
	if (errno)
		return nn_err(err, errno, "read %s", path);
	return 0;
}

int nn_copyup(const char *dir, char ro[32], struct nn_err *err)
{
	char path[PATH_MAX];
	_cleanup_close_ int tree = -1;
	struct stat st;
	int r;

	if (stat(dir, &st) < 0)
		return errno == ENOENT ? nn_errx(err, ENOENT, "no such directory")
				       : nn_err(err, errno, "stat %s", dir);
	if (!S_ISDIR(st.st_mode))
		return nn_errx(err, ENOTDIR, "not a directory");
	tree = clone_tree(dir);
	if (tree < 0)
		return nn_err(err, errno, "clone the mounts at %s (open_tree)", dir);
	if (mount("none", dir, "tmpfs", 0, NULL) < 0)
		return nn_err(err, errno, "mount a tmpfs on %s", dir);
	r = make_ro_dir(dir, ro, err);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/%s", dir, ro);
	if (move_mount(tree, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return nn_err(err, errno, "move the original %s to %s (move_mount)", dir, path);
	return link_entries(dir, ro, err);
}

int nn_sysfs_fresh(int *refused, struct nn_err *err)
{
	_cleanup_close_ int cgroup = -1;
	struct stat sys, cg;

	if (refused)
		*refused = 0;

	/* only what is mounted there: a plain directory of the old sysfs stays behind */
	if (stat("/sys", &sys) == 0 && stat("/sys/fs/cgroup", &cg) == 0 &&
	    sys.st_dev != cg.st_dev) {
		cgroup = clone_tree("/sys/fs/cgroup");
		if (cgroup < 0)
			return nn_err(err, errno, "clone the mounts at /sys/fs/cgroup (open_tree)");
	}
	if (mount("none", "/sys", "sysfs", 0, NULL) < 0 &&
	    mount("none", "/sys", "sysfs", MS_RDONLY, NULL) < 0) {
		if (refused)
			*refused = errno;
		return 0; /* RootlessKit warns and goes on with the old one */
	}
	if (cgroup >= 0 &&
	    move_mount(cgroup, "", AT_FDCWD, "/sys/fs/cgroup", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return nn_err(err, errno, "move the cgroup mounts under the new /sys (move_mount)");
	return 0;
}

int nn_procfs_fresh(struct nn_err *err)
{
	if (mount("none", "/proc", "proc", 0, NULL) < 0 &&
	    mount("none", "/proc", "proc", MS_RDONLY, NULL) < 0)
		return nn_err(err, errno, "mount a new /proc");
	return 0;
}
