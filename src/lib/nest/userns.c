// SPDX-License-Identifier: GPL-2.0-or-later
/* userns.c - uid/gid maps of the nest's user namespace (see userns.h) */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "userns.h"
#include "util.h"

#define NEWUIDMAP "/usr/bin/newuidmap"
#define NEWGIDMAP "/usr/bin/newgidmap"

int nn_subid_range(const char *path, const char *name, unsigned id, unsigned long *start,
		   unsigned long *count)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[512], idtext[16];

	if (!f)
		return -ENOENT;
	snprintf(idtext, sizeof(idtext), "%u", id);
	while (fgets(line, sizeof(line), f)) {
		char *owner = strtok(line, ":\n"), *s = strtok(NULL, ":\n"), *c = strtok(NULL, ":\n");

		if (!owner || !s || !c)
			continue;
		if (strcmp(owner, idtext) && (!name || strcmp(owner, name)))
			continue;
		if (nn_parse_uint(s, 1, UINT32_MAX, start) < 0 ||
		    nn_parse_uint(c, 1, UINT32_MAX, count) < 0)
			continue;
		return 0;
	}
	return -ENOENT;
}

/* Start @helper PID 0 ID 1 1 START COUNT. Return its PID, or a negative errno. */
static pid_t spawn_idmap_helper(const char *helper, pid_t pid, unsigned id, unsigned long start,
				unsigned long count, struct nn_err *err)
{
	char a_pid[16], a_id[16], a_start[24], a_count[24];
	pid_t child;

	snprintf(a_pid, sizeof(a_pid), "%d", pid);
	snprintf(a_id, sizeof(a_id), "%u", id);
	snprintf(a_start, sizeof(a_start), "%lu", start);
	snprintf(a_count, sizeof(a_count), "%lu", count);
	child = fork();
	if (child < 0)
		return nn_err(err, errno, "fork for %s", helper);
	if (child == 0) {
		execl(helper, helper, a_pid, "0", a_id, "1", "1", a_start, a_count, (char *)NULL);
		_exit(127);
	}
	return child;
}

/* Reap a helper. Return: 0 if it exited 0, else -EPERM with @err saying how it ended. */
static int wait_idmap_helper(const char *helper, pid_t child, pid_t pid, struct nn_err *err)
{
	int status;

	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return nn_err(err, errno, "wait for %s", helper);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return nn_err(err, EPERM, "%s for pid %d failed (exit status %d)", helper, pid,
			      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}

static int write_proc(pid_t pid, const char *file, const char *text, struct nn_err *err)
{
	char path[64];
	_cleanup_close_ int fd = -1;
	size_t len = strlen(text);

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		return nn_err(err, errno, "write '%.*s' to %s", (int)strcspn(text, "\n"), text,
			      path);
	return 0;
}

int nn_userns_map(pid_t pid, uid_t uid, gid_t gid, char *notice, struct nn_err *err)
{
	struct passwd *pw = getpwuid(uid);
	const char *name = pw ? pw->pw_name : NULL;
	unsigned long us, uc, gs, gc;
	char map[64];
	int r;

	if (notice)
		notice[0] = '\0';
	if (nn_subid_range("/etc/subuid", name, uid, &us, &uc) == 0 &&
	    nn_subid_range("/etc/subgid", name, uid, &gs, &gc) == 0 &&
	    access(NEWUIDMAP, X_OK) == 0 && access(NEWGIDMAP, X_OK) == 0) {
		/* The two setuid helpers are independent: run them side by side. */
		pid_t hu = spawn_idmap_helper(NEWUIDMAP, pid, uid, us, uc, err), hg;
		int rg;

		if (hu < 0)
			return hu;
		hg = spawn_idmap_helper(NEWGIDMAP, pid, gid, gs, gc, err);
		r = wait_idmap_helper(NEWUIDMAP, hu, pid, hg < 0 ? NULL : err);
		if (hg < 0)
			return hg;
		rg = wait_idmap_helper(NEWGIDMAP, hg, pid, r < 0 ? NULL : err);
		return r < 0 ? r : rg;
	}
	if (notice) {
		if (access(NEWUIDMAP, X_OK) < 0 || access(NEWGIDMAP, X_OK) < 0)
			snprintf(notice, NN_ERR_MSG,
				 "%s or %s is missing: the nest maps only uid %u (as root)",
				 NEWUIDMAP, NEWGIDMAP, (unsigned)uid);
		else
			snprintf(notice, NN_ERR_MSG,
				 "user %s has no range in /etc/subuid and /etc/subgid: the nest "
				 "maps only uid %u (as root)", name ? name : "?", (unsigned)uid);
	}
	/* An unprivileged writer may map only its own ID, and gid_map only after
	 * setgroups is denied (user_namespaces(7)). */
	r = write_proc(pid, "setgroups", "deny", err);
	if (r == 0) {
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
		r = write_proc(pid, "uid_map", map, err);
	}
	if (r == 0) {
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
		r = write_proc(pid, "gid_map", map, err);
	}
	return r;
}
