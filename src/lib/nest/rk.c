// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rk.c - the rootlesskit verb's own process: the state dir and the wait (see rk.h;
 * RootlessKit pkg/parent/parent.go, pkg/common/sigproxy).
 */
#include <errno.h>
#include <poll.h>
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
		return 0;
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

int nn_rk_wait(struct nn_nest_start *st, struct nn_err *err)
{
	int pidfd = st->child_pid > 0 ? (int)syscall(SYS_pidfd_open, st->child_pid, 0) : -1;
	struct pollfd pfd = { .fd = st->sock, .events = POLLIN };
	struct nn_err last = { 0 };
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
	if (st->sock >= 0 && poll(&pfd, 1, 0) == 1 &&
	    nn_report_recv(st->sock, "nest daemon", &last) < 0 && last.code != ECHILD)
		*err = last;
	if (st->sock >= 0)
		close(st->sock);
	st->sock = -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
