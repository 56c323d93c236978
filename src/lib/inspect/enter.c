// SPDX-License-Identifier: GPL-2.0-or-later
/* enter.c - name a netns as users do, and enter it as `ip netns exec` does (see enter.h) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <linux/nsfs.h>

#include "enter.h"
#include "ns.h"
#include "state.h"
#include "util.h"

void nn_target_close(struct nn_target *t)
{
	int *fds[] = { &t->netfd, &t->userfd, &t->mntfd };

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]); /* cppcheck-suppress shadowVariable ; a call */
		*fds[i] = -1;
	}
}

/**
 * pid_of_sandbox() - the PID of a live sandbox of nest @nest
 * @nest: nest name
 * @name: sandbox name
 * @pid:  filled with the sandbox process
 * @err:  error object
 *
 * Its record (state.h nn_state_sandbox_read()), whose "starttime" must still be the
 * process's (nn_state_sandbox_live()), so a reused PID is not taken for the sandbox.
 * Return: 0, -ENOENT (no such sandbox), -ESRCH (its process is gone), -EINVAL.
 */
static int pid_of_sandbox(const char *nest, const char *name, pid_t *pid, struct nn_err *err)
{
	char dir[PATH_MAX];
	struct nn_sandbox_rec rec;
	int r = nn_state_dir(nest, dir, err);

	if (r < 0)
		return r;
	r = nn_state_sandbox_read(dir, name, &rec, err);
	if (r < 0 && r != -EINVAL) /* the errno of the record's path, in its old words */
		return nn_err(err, -r, "sandbox %s of nest %s (%s/sandboxes/%s.json)", name, nest,
			      dir, name);
	if (r < 0)
		return r;
	*pid = rec.pid;
	if (!nn_state_sandbox_live(&rec))
		return nn_err(err, ESRCH, "sandbox %s of nest %s: process %d is gone", name, nest,
			      (int)*pid);
	return 0;
}

/* open_pid_ns() - fill @t's fds from a process: its net, user, and optionally @mnt_pid's mnt ns */
static int open_pid_ns(struct nn_target *t, pid_t pid, pid_t mnt_pid, struct nn_err *err)
{
	t->pid = pid;
	if (t->netfd < 0) {
		snprintf(t->path, sizeof(t->path), "/proc/%d/ns/net", (int)pid);
		t->netfd = nn_ns_open_pid(pid, NN_NS_NET, err);
		if (t->netfd < 0)
			return t->netfd;
	}
	t->userfd = nn_ns_open_pid(pid, NN_NS_USER, err);
	if (t->userfd < 0)
		return t->userfd;
	if (mnt_pid) {
		t->mntfd = nn_ns_open_pid(mnt_pid, NN_NS_MNT, err);
		if (t->mntfd < 0)
			return t->mntfd;
	}
	return 0;
}

static int resolve_nest(const char *nest, struct nn_target *t, struct nn_err *err)
{
	char dir[PATH_MAX];
	pid_t child;
	int r;

	t->kind = NN_TARGET_NEST;
	snprintf(t->label, sizeof(t->label), "nest %s", nest);
	if ((r = nn_state_dir(nest, dir, err)) < 0)
		return r;
	r = nn_state_child_pid(dir, &child, err);
	if (r == -ENOENT || r == -ESRCH) /* no daemon, or a dead one's */
		return nn_state_not_running(nest, dir, err);
	if (r < 0)
		return r;
	/* the nsfs mount exists only in the daemon's mount ns (state.h, RootlessKit --detach-netns) */
	snprintf(t->path, sizeof(t->path), "/proc/%d/root%s/netns", (int)child, dir);
	t->netfd = nn_ns_open_path(t->path, NN_NS_NET, err);
	if (t->netfd < 0)
		return nn_err_wrap(err, "nest %s", nest);
	return open_pid_ns(t, child, child, err);
}

static int resolve_name(const char *spec, const char *dir, struct nn_target *t,
			struct nn_err *err)
{
	t->kind = NN_TARGET_NAME;
	snprintf(t->label, sizeof(t->label), "netns %s", spec);
	snprintf(t->name, sizeof(t->name), "%s", spec);
	snprintf(t->path, sizeof(t->path), "%s/%s", dir, spec);
	t->netfd = nn_ns_open_path(t->path, NN_NS_NET, err);
	return t->netfd < 0 ? t->netfd : 0;
}

/* has_name() - @dir/@name exists (even as a dangling symlink: then opening it says why) */
static bool has_name(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return lstat(path, &st) == 0;
}

bool nn_netns_name_ok(const char *name, const char **why)
{
	if (!*name)
		*why = "is empty";
	else if (strchr(name, '/'))
		*why = "contains '/'";
	else if (!strcmp(name, ".") || !strcmp(name, ".."))
		*why = "is a directory entry of its own";
	else if (strlen(name) > NAME_MAX)
		*why = "is longer than 255 bytes";
	else
		return true;
	return false;
}

/* @spec as a sandbox name of nest @nest (nn_target_resolve()); -ENOENT: there is none */
static int resolve_sandbox(const char *spec, const char *nest, const char *xdg,
			   struct nn_target *t, struct nn_err *err)
{
	struct nn_err serr = { 0 };
	char sdir[PATH_MAX];
	const char *why;
	pid_t pid = 0;
	int r;

	t->kind = NN_TARGET_SANDBOX;
	snprintf(t->label, sizeof(t->label), "sandbox %s", spec);
	if (!nn_valid_name(spec, NN_NAME_MAX, &why)) {
		/* valid for /run/netns but not for a sandbox: it is simply not found */
		return nn_err(err, ENOENT, "no netns named '%s' (looked in %s%s; not a "
			      "sandbox name: it %s)", spec, NN_NETNS_RUN_DIR,
			      xdg && *xdg ? " and $XDG_RUNTIME_DIR/netns" : "", why);
	}
	if (nn_state_dir(nest, sdir, &serr) < 0) {
		/* no state dir (rootless without XDG_RUNTIME_DIR): no sandbox to look in */
		return nn_err(err, ENOENT, "no netns named '%s' (looked in %s%s; the "
			      "sandboxes of nest %s were not searched: %s)", spec,
			      NN_NETNS_RUN_DIR, xdg && *xdg ? " and $XDG_RUNTIME_DIR/netns" : "",
			      nest, serr.msg);
	}
	r = pid_of_sandbox(nest, spec, &pid, err);
	if (r == -ENOTDIR)
		r = -ENOENT; /* a file where a directory of the state path should be */
	if (r == -ENOENT)
		nn_err(err, ENOENT, "no netns named '%s' (looked in %s%s and the "
		       "sandboxes of nest %s)%s", spec, NN_NETNS_RUN_DIR,
		       xdg ? ", $XDG_RUNTIME_DIR/netns" : "", nest,
		       spec[strspn(spec, "0123456789")] ? "" :
		       ", and it cannot be a PID (PIDs are 1 or more and fit in 32 bits)");
	/* its own mount ns too, as docker exec enters the container's: its /etc/resolv.conf,
	 * /etc/hosts and /sys, and the nest's paths (it is a copy of the daemon's) */
	if (r == 0)
		r = open_pid_ns(t, pid, pid, err);
	return r;
}

int nn_target_resolve(const char *spec, const char *nest, struct nn_target *t,
		      struct nn_err *err)
{
	unsigned long v;
	char xdgdir[PATH_MAX];
	const char *xdg = getenv("XDG_RUNTIME_DIR"), *why;
	bool given = nest != NULL;
	int r;

	if (!given)
		nest = NN_NEST_DEFAULT;
	memset(t, 0, sizeof(*t));
	t->netfd = t->userfd = t->mntfd = -1;
	if (!strcmp(spec, "nest"))
		r = resolve_nest(nest, t, err);
	else if (nn_parse_uint(spec, 1, INT32_MAX, &v) == 0) {
		t->kind = NN_TARGET_PID;
		snprintf(t->label, sizeof(t->label), "pid %lu", v);
		r = open_pid_ns(t, (pid_t)v, 0, err);
	} else if (strchr(spec, '/')) {
		t->kind = NN_TARGET_PATH;
		snprintf(t->label, sizeof(t->label), "%s", spec);
		snprintf(t->path, sizeof(t->path), "%s", spec);
		t->netfd = nn_ns_open_path(spec, NN_NS_NET, err);
		r = t->netfd < 0 ? t->netfd : 0;
	} else if (!nn_netns_name_ok(spec, &why)) {
		r = nn_errx(err, EINVAL, "netns name '%s' %s", spec, why);
	} else if (given && (r = resolve_sandbox(spec, nest, xdg, t, err)) != -ENOENT) {
		/* --nest given: its sandbox comes before a name in /run/netns, which
		 * anyone with the right to write there could make to shadow it */
	} else if (has_name(NN_NETNS_RUN_DIR, spec)) {
		r = resolve_name(spec, NN_NETNS_RUN_DIR, t, err);
	} else if (xdg && *xdg && snprintf(xdgdir, sizeof(xdgdir), "%s/netns", xdg) > 0 &&
		   has_name(xdgdir, spec)) {
		r = resolve_name(spec, xdgdir, t, err);
	} else if (!given) {
		r = resolve_sandbox(spec, nest, xdg, t, err);
	}
	if (r < 0)
		nn_target_close(t);
	return r;
}

/* enter_userns() - setns into the user ns that goes with @t (or owns its netns) */
static int enter_userns(const struct nn_target *t, struct nn_err *err)
{
	/* cppcheck-suppress unreadVariable ; the -1 is read by _cleanup_close_ */
	_cleanup_close_ int owner = -1;
	int fd = t->userfd;

	struct stat self, want;

	if (fd < 0) {
		owner = ioctl(t->netfd, NS_GET_USERNS);
		if (owner < 0)
			return nn_err(err, errno, "enter the netns of %s: its owning user namespace "
				      "is outside ours", t->label);
		fd = owner;
	}
	/* setns(2) into our own user ns is EINVAL: say what is really missing */
	if (fstat(fd, &want) == 0 && stat("/proc/self/ns/user", &self) == 0 &&
	    want.st_ino == self.st_ino && want.st_dev == self.st_dev)
		return nn_err(err, EPERM, "enter the netns of %s: it belongs to our own user "
			      "namespace, where we lack CAP_SYS_ADMIN (run as root)", t->label);
	if (setns(fd, CLONE_NEWUSER) < 0)
		return nn_err(err, errno, "enter the user namespace of %s", t->label);
	return 0;
}

static int enter_ns(const struct nn_target *t, bool *entered_userns, struct nn_err *err)
{
	struct stat self, want;
	int r;

	*entered_userns = false;
	if (setns(t->netfd, CLONE_NEWNET) < 0) {
		if (errno != EPERM)
			return nn_err(err, errno, "enter the netns of %s", t->label);
		/* pass 2 of nsenter(1): user first, then the rest */
		if ((r = enter_userns(t, err)) < 0)
			return r;
		*entered_userns = true;
		if (setns(t->netfd, CLONE_NEWNET) < 0)
			return nn_err(err, errno, "enter the netns of %s", t->label);
	}
	if (t->mntfd < 0)
		return 0;
	if (fstat(t->mntfd, &want) == 0 && stat("/proc/self/ns/mnt", &self) == 0 &&
	    want.st_ino == self.st_ino)
		return 0;
	if (setns(t->mntfd, CLONE_NEWNS) < 0) {
		if (errno != EPERM || *entered_userns || t->userfd < 0)
			return nn_err(err, errno, "enter the mount namespace of %s", t->label);
		if ((r = enter_userns(t, err)) < 0)
			return r;
		*entered_userns = true;
		if (setns(t->mntfd, CLONE_NEWNS) < 0)
			return nn_err(err, errno, "enter the mount namespace of %s", t->label);
	}
	return 0;
}

/* bind_etc() - bind each /etc/netns/NAME/X over /etc/X (iproute2 lib/namespace.c bind_etc) */
static int bind_etc(const char *name, unsigned *count, struct nn_err *err)
{
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *e;
	int r = 0;

	snprintf(dir, sizeof(dir), "%s/%s", NN_NETNS_ETC_DIR, name);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char src[PATH_MAX], dst[PATH_MAX];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(src, sizeof(src), "%s/%s", dir, e->d_name);
		snprintf(dst, sizeof(dst), "/etc/%s", e->d_name);
		if (mount(src, dst, "none", MS_BIND, NULL) < 0) {
			r = nn_err(err, errno, "bind %s over %s", src, dst);
			break;
		}
		(*count)++;
	}
	closedir(d);
	return r;
}

int nn_enter(const struct nn_target *t, struct nn_enter_info *info, struct nn_err *err)
{
	int r;

	memset(info, 0, sizeof(*info));
	r = enter_ns(t, &info->entered_userns, err);
	if (r < 0)
		return r;
	if (unshare(CLONE_NEWNS) < 0)
		return nn_err(err, errno, "unshare the mount namespace in %s", t->label);
	/* keep our mounts from propagating back (ip-netns(8)) */
	if (mount("", "/", "none", MS_SLAVE | MS_REC, NULL) < 0)
		return nn_err(err, errno, "make / a slave mount in %s", t->label);
	/*
	 * A fresh sysfs shows the netns's devices.  Unlike ip netns exec, which detaches /sys
	 * first, stack it over the old one: when the mount is refused (EPERM in a user
	 * namespace that does not own the netns, or whose /sys is locked) the old /sys stays
	 * usable; the old mount stays hidden below it, in this private mount ns only.
	 */
	if (mount("sysfs", "/sys", "sysfs", 0, NULL) == 0) {
		info->sysfs_fresh = true;
	} else if (errno == EBUSY) {
		/*
		 * The same superblock on the same mount point (do_add_mount): /sys already is
		 * this netns's sysfs, as when the target is in the netns we started in.
		 */
		info->sysfs_fresh = true;
	} else if (errno == EPERM || errno == EACCES) {
		info->sysfs_errno = errno;
	} else {
		return nn_err(err, errno, "mount sysfs on /sys in %s", t->label);
	}
	if (t->kind == NN_TARGET_NAME)
		return bind_etc(t->name, &info->etc_binds, err);
	return 0;
}

static volatile sig_atomic_t run_child;

/*
 * forward() - a signal sent to netnest alone (kill(1), a supervisor) goes on to CMD, so
 * netnest never exits leaving CMD behind.  One from the terminal (SI_KERNEL) already
 * reached CMD through the process group and is not sent twice.
 */
static void forward(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (run_child > 0 && si && (si->si_code == SI_USER || si->si_code == SI_QUEUE))
		kill(run_child, sig);
}

int nn_run_wait(char *const argv[], bool *not_run, struct nn_err *err)
{
	static const int sigs[] = { SIGTERM, SIGHUP, SIGINT, SIGQUIT };
	struct sigaction fw = { .sa_sigaction = forward, .sa_flags = SA_SIGINFO | SA_RESTART };
	struct sigaction old[ARRAY_SIZE(sigs)];
	sigset_t block, mask;
	pid_t parent = getpid();
	_cleanup_close_ int rd = -1, wr = -1;
	int p[2], status, child_errno = 0, wait_errno;
	pid_t pid, w;

	*not_run = false;
	/* the child reports a failed exec through a close-on-exec pipe; it never prints */
	if (pipe2(p, O_CLOEXEC) < 0)
		return nn_err(err, errno, "pipe for %s", argv[0]);
	rd = p[0];
	wr = p[1];
	/* a signal that comes before run_child is set waits, blocked, and is then forwarded */
	sigemptyset(&block);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaddset(&block, sigs[i]);
	sigprocmask(SIG_BLOCK, &block, &mask);
	sigemptyset(&fw.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &fw, &old[i]);
	pid = fork();
	wait_errno = errno;
	if (pid == 0) {
		int e;

		/* exec(2) resets the caught signals to SIG_DFL; the mask is ours to restore */
		sigprocmask(SIG_SETMASK, &mask, NULL);
		/* netnest killed outright (SIGKILL) takes CMD with it */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(127);
		execvp(argv[0], argv);
		e = errno;
		if (write(wr, &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	run_child = pid;
	sigprocmask(SIG_SETMASK, &mask, NULL);
	if (pid < 0) {
		for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
			sigaction(sigs[i], &old[i], NULL);
		return nn_err(err, wait_errno, "fork for %s", argv[0]);
	}
	close(steal_fd(&wr));
	while (read(rd, &child_errno, sizeof(child_errno)) < 0 && errno == EINTR)
		;
	while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	wait_errno = errno;
	run_child = 0;
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &old[i], NULL);
	if (w < 0)
		return nn_err(err, wait_errno, "wait for %s (pid %d)", argv[0], (int)pid);
	*not_run = child_errno != 0;
	if (child_errno)
		return nn_err(err, child_errno, "execute %s", argv[0]);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
