// SPDX-License-Identifier: GPL-2.0-or-later
/* attach.c - expose a netns to `ip netns` under a name (see attach.h) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach.h"
#include "enter.h"
#include "util.h"

int nn_attach_dir(char buf[PATH_MAX], struct nn_err *err)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (geteuid() == 0) {
		snprintf(buf, PATH_MAX, "%s", NN_NETNS_RUN_DIR);
		return 0;
	}
	if (!xdg || !*xdg)
		return nn_errx(err, EINVAL, "rootless netns names go in $XDG_RUNTIME_DIR/netns, "
			       "but XDG_RUNTIME_DIR is not set");
	snprintf(buf, PATH_MAX, "%s/netns", xdg);
	return 0;
}

int nn_attach_check_name(const char *name, struct nn_err *err)
{
	const char *why;

	if (!nn_valid_name(name, NAME_MAX, &why))
		return nn_errx(err, EINVAL, "netns name '%s' %s", name, why);
	return 0;
}

static int name_path(const char *dir, const char *name, char path[PATH_MAX],
		     struct nn_err *err)
{
	if (nn_attach_check_name(name, err) < 0)
		return -EINVAL;
	snprintf(path, PATH_MAX, "%s/%s", dir, name);
	return 0;
}

/* open_run_dir() - mkdir @dir and take its lock (iproute2 v5.10, Debian #949235) */
static int open_run_dir(const char *dir, struct nn_err *err)
{
	_cleanup_close_ int fd = -1;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return nn_err(err, errno, "create %s", dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return nn_err(err, errno, "open %s", dir);
	if (flock(fd, LOCK_EX) < 0)
		return nn_err(err, errno, "lock %s", dir);
	return steal_fd(&fd);
}

/* make_shared() - @dir a shared mount, bound onto itself first if not a mount point */
static int make_shared(const char *dir, struct nn_err *err)
{
	bool bound = false;

	while (mount("", dir, "none", MS_SHARED | MS_REC, NULL) < 0) {
		if (errno != EINVAL || bound)
			return nn_err(err, errno, "make %s a shared mount", dir);
		if (mount(dir, dir, "none", MS_BIND | MS_REC, NULL) < 0)
			return nn_err(err, errno, "bind %s onto itself", dir);
		bound = true;
	}
	return 0;
}

int nn_attach_bind(const char *dir, const char *name, int netfd, struct nn_err *err)
{
	char path[PATH_MAX], src[64];
	_cleanup_close_ int lock = -1, fd = -1;
	int r;

	if ((r = name_path(dir, name, path, err)) < 0)
		return r;
	lock = open_run_dir(dir, err);
	if (lock < 0)
		return lock;
	if ((r = make_shared(dir, err)) < 0)
		return r;
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0) {
		if (errno == EEXIST)
			return nn_errx(err, EEXIST, "attach netns %s: %s already exists", name,
				       path);
		return nn_err(err, errno, "create %s", path);
	}
	snprintf(src, sizeof(src), "/proc/self/fd/%d", netfd);
	if (mount(src, path, "none", MS_BIND, NULL) < 0) {
		r = nn_err(err, errno, "bind the netns onto %s", path);
		unlink(path);
		return r;
	}
	return 0;
}

int nn_attach_symlink(const char *dir, const char *name, const char *target,
		      struct nn_err *err)
{
	char path[PATH_MAX], cwd[PATH_MAX], abs[2 * PATH_MAX];
	int r;

	if ((r = name_path(dir, name, path, err)) < 0)
		return r;
	/* a relative target would be read relative to @dir, not to where the user is */
	if (target[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd)))
			return nn_err(err, errno, "symlink %s to %s: find the current directory",
				      path, target);
		if (snprintf(abs, sizeof(abs), "%s/%s", cwd, target) >= PATH_MAX)
			return nn_err(err, ENAMETOOLONG, "symlink %s to %s/%s", path, cwd, target);
		target = abs;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return nn_err(err, errno, "create %s", dir);
	if (symlink(target, path) < 0) {
		if (errno == EEXIST)
			return nn_errx(err, EEXIST, "attach netns %s: %s already exists", name,
				       path);
		return nn_err(err, errno, "symlink %s to %s", path, target);
	}
	return 0;
}

int nn_attach_delete(const char *dir, const char *name, struct nn_err *err)
{
	char path[PATH_MAX];
	const char *why;
	struct stat st;

	/* any name ip netns accepts can be deleted, as with ip netns delete */
	if (!nn_netns_name_ok(name, &why))
		return nn_errx(err, EINVAL, "netns name '%s' %s", name, why);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (lstat(path, &st) < 0)
		return nn_err(err, errno, "delete netns name %s (%s)", name, path);
	/* EINVAL: not a mount point (a symlink, or a stale empty file) */
	if (!S_ISLNK(st.st_mode) && umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 &&
	    errno != EINVAL)
		return nn_err(err, errno, "unmount %s", path);
	if (unlink(path) < 0)
		return nn_err(err, errno, "remove %s", path);
	return 0;
}
