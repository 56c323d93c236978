// SPDX-License-Identifier: GPL-2.0-or-later
/* state.c - where a nest keeps its state (see state.h) */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>

#include "state.h"
#include "util.h"

int nn_state_dir(const char *nest, char buf[PATH_MAX], struct nn_err *err)
{
	const char *why, *env = getenv("NETNEST_STATE_DIR"), *xdg;
	int n;

	if (!nn_valid_name(nest, NN_NAME_MAX, &why))
		return nn_errx(err, EINVAL, "nest name '%s' %s", nest, why);
	if (env && *env) {
		n = snprintf(buf, PATH_MAX, "%s", env);
	} else if (geteuid() == 0) {
		n = snprintf(buf, PATH_MAX, "/run/netnest/%s", nest);
	} else {
		xdg = getenv("XDG_RUNTIME_DIR");
		if (!xdg || !*xdg)
			return nn_errx(err, EINVAL,
				       "state dir of nest %s: XDG_RUNTIME_DIR is not set", nest);
		n = snprintf(buf, PATH_MAX, "%s/netnest/%s", xdg, nest);
	}
	if (n >= PATH_MAX)
		return nn_err(err, ENAMETOOLONG, "state dir of nest %s", nest);
	return 0;
}

/* A zombie has exited: its fds (the state dir's lock among them) are closed (proc(5)). */
static bool pid_exited(pid_t pid)
{
	char path[64];
	_cleanup_free_ char *s = NULL;
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (nn_read_file(AT_FDCWD, path, &s, NULL, NULL) < 0 || !(p = strrchr(s, ')')))
		return false;
	return p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

int nn_state_child_pid(const char *dir, pid_t *pid, struct nn_err *err)
{
	char path[PATH_MAX + 16];
	_cleanup_free_ char *s = NULL;
	unsigned long v;
	struct nn_err e;

	snprintf(path, sizeof(path), "%s/child_pid", dir);
	if (nn_read_file(AT_FDCWD, path, &s, NULL, &e) < 0)
		return nn_err(err, ENOENT, "no nest is running in %s", dir);
	s[strcspn(s, "\n")] = '\0';
	if (nn_parse_uint(s, 1, INT_MAX, &v) < 0)
		return nn_errx(err, EINVAL, "%s: not a PID: '%s'", path, s);
	if ((kill((pid_t)v, 0) < 0 && errno == ESRCH) || pid_exited((pid_t)v))
		return nn_err(err, ESRCH, "nest in %s (pid %lu) is gone", dir, v);
	*pid = (pid_t)v;
	return 0;
}
