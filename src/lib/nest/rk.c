// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rk.c - the rootlesskit verb's own process: the state dir and the wait (see rk.h;
 * RootlessKit pkg/parent/parent.go, pkg/common/sigproxy).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report.h"
#include "rk.h"
#include "rkflags.h"
#include "state.h"
#include "sweep.h"
#include "util.h"

/* mkdir -p, each missing dir with @mode (before the umask) */
static int mkdir_all(char *path, mode_t mode, struct nn_err *err)
{
	for (char *p = path + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(path, mode) < 0 && errno != EEXIST) {
			int e = errno;

			*p = c;
			return nn_err(err, e, "--state-dir=%s: create %.*s", path,
				      (int)(p - path), path);
		}
		*p = c;
		if (!c)
			return 0;
	}
}

/*
 * check_reusable() - @dir is empty, or a state dir an earlier instance left (it has a
 * "lock"): the start clears it and the end removes it, so anything else in it would be
 * lost.  RootlessKit clears any dir it is given (--state-dir=$HOME empties the home); this
 * refuses instead.
 */
static int check_reusable(const char *dir, struct nn_err *err)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *e;
	bool lock = false, other = false;

	if (!d)
		return nn_err(err, errno, "--state-dir=%s", dir);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!strcmp(e->d_name, "lock"))
			lock = true;
		else
			other = true;
	}
	if (other && !lock)
		return nn_errx(err, ENOTEMPTY, "--state-dir=%s: not empty and not a state dir (no "
			       "lock file): everything in it would be removed", dir);
	return 0;
}

int nn_rk_state_dir(const char *given, char out[PATH_MAX], struct nn_err *err)
{
	const char *tmp = getenv("TMPDIR");
	char cwd[PATH_MAX];
	struct stat st;

	if (given && *given) {
		if (given[0] != '/' && !getcwd(cwd, sizeof(cwd)))
			return nn_err(err, errno, "--state-dir=%s: getcwd", given);
		if (snprintf(out, PATH_MAX, "%s%s%s", given[0] == '/' ? "" : cwd,
			     given[0] == '/' ? "" : "/", given) >= PATH_MAX)
			return nn_err(err, ENAMETOOLONG, "--state-dir=%s", given);
		nn_rk_clean_path(out);
		if (mkdir_all(out, 0755, err) < 0)
			return -err->code;
		if (stat(out, &st) < 0 || !S_ISDIR(st.st_mode))
			return nn_errx(err, ENOTDIR, "--state-dir=%s: not a directory", out);
		return check_reusable(out, err);
	}
	if (!tmp || !*tmp)
		tmp = "/tmp";
	for (int i = 0; i < 100; i++) {
		uint32_t n;

		if (getrandom(&n, sizeof(n), 0) != sizeof(n))
			n = (uint32_t)getpid() * 2654435761u + (uint32_t)i;
		if (snprintf(out, PATH_MAX, "%s/rootlesskit%u", tmp, n) >= PATH_MAX)
			return nn_err(err, ENAMETOOLONG, "state dir in %s", tmp);
		if (mkdir(out, 0700) == 0)
			return 0;
		if (errno != EEXIST)
			return nn_err(err, errno, "create state dir %s", out);
	}
	return nn_errx(err, EEXIST, "create state dir %s/rootlesskitNNNN: every name taken",
		       tmp);
}

/*
 * daemon_killed() - the nest daemon died by @sig and could not clean up: end every process
 * of the nest's user namespace (@userns, when it is not ours) and remove @state_dir
 */
static void daemon_killed(pid_t pid, int sig, int userns, const char *state_dir,
			  struct nn_err *err)
{
	_cleanup_close_ int dfd = open(state_dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);

	if (userns >= 0)
		nn_sweep(&userns, 1, CLONE_NEWUSER, -1, 5000);
	nn_state_clear(dfd, false);
	if (rmdir(state_dir) < 0 && errno != ENOENT)
		nn_errx(err, EIO, "the nest daemon (pid %d) was killed by signal %d (%s); "
			"its processes are gone, its state dir %s is left", (int)pid, sig,
			strsignal(sig), state_dir);
	else
		nn_errx(err, EIO, "the nest daemon (pid %d) was killed by signal %d (%s); "
			"its processes and state dir are gone", (int)pid, sig, strsignal(sig));
}

/* the daemon's user namespace, or -1 when it is the caller's own (a root nest) */
static int open_userns(pid_t pid)
{
	char path[64];
	struct stat a, b;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &a) < 0 || stat("/proc/self/ns/user", &b) < 0 ||
	    (a.st_ino == b.st_ino && a.st_dev == b.st_dev)) {
		close(fd);
		return -1;
	}
	return fd;
}

int nn_rk_wait(struct nn_nest_start *st, const char *state_dir, struct nn_err *err)
{
	_cleanup_close_ int userns = open_userns(st->daemon_pid);
	int pidfd = st->child_pid > 0 ? (int)syscall(SYS_pidfd_open, st->child_pid, 0) : -1;
	sigset_t all;
	int status;

	sigfillset(&all);
	for (;;) {
		int sig = sigwaitinfo(&all, NULL);

		if (sig == SIGCHLD) {
			if (waitpid(st->daemon_pid, &status, WNOHANG) == st->daemon_pid)
				break;
		} else if (sig > 0 && pidfd >= 0) {
			syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	nn_report_last(st->sock, err);
	if (st->sock >= 0)
		close(st->sock);
	st->sock = -1;
	if (WIFSIGNALED(status))
		daemon_killed(st->daemon_pid, WTERMSIG(status), userns, state_dir, err);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
