// SPDX-License-Identifier: GPL-2.0-or-later
/* state.c - where a nest keeps its state (see state.h) */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "proc.h"
#include "state.h"
#include "util.h"

int nn_state_dir(const char *nest, char buf[PATH_MAX], struct nn_err *err)
{
	const char *why, *env = getenv("NETNEST_STATE_DIR"), *xdg;
	int n;

	if (!nn_valid_name(nest, NN_NAME_MAX, &why))
		return nn_errx(err, EINVAL, "nest name '%s' %s", nest, why);
	if (env && *env) {
		/* a relative one would name another dir in each caller's working directory */
		if (*env != '/')
			return nn_errx(err, EINVAL, "state dir of nest %s: NETNEST_STATE_DIR '%s' is "
				       "not an absolute path", nest, env);
		n = snprintf(buf, PATH_MAX, "%s", env);
	} else if (geteuid() == 0) {
		n = snprintf(buf, PATH_MAX, "/run/netnest/%s", nest);
	} else {
		xdg = getenv("XDG_RUNTIME_DIR");
		if (!xdg || !*xdg)
			return nn_errx(err, EINVAL,
				       "state dir of nest %s: XDG_RUNTIME_DIR is not set", nest);
		/* "If an implementation encounters a relative path in any of these variables
		 * it should consider the path invalid and ignore it" (XDG Base Directory
		 * Specification 0.8) */
		if (*xdg != '/')
			return nn_errx(err, EINVAL,
				       "state dir of nest %s: XDG_RUNTIME_DIR '%s' is not an absolute "
				       "path", nest, xdg);
		n = snprintf(buf, PATH_MAX, "%s/netnest/%s", xdg, nest);
	}
	if (n >= PATH_MAX)
		return nn_err(err, ENAMETOOLONG, "state dir of nest %s", nest);
	return 0;
}

int nn_state_child_pid(const char *dir, pid_t *pid, struct nn_err *err)
{
	char path[PATH_MAX + 16];
	_cleanup_free_ char *s = NULL;
	unsigned long v;
	struct nn_err e;

	snprintf(path, sizeof(path), "%s/" NN_STATE_CHILD_PID, dir);
	if (nn_read_file(AT_FDCWD, path, &s, NULL, &e) < 0)
		return nn_err(err, ENOENT, "no nest is running in %s", dir);
	s[strcspn(s, "\n")] = '\0';
	if (nn_parse_uint(s, 1, INT_MAX, &v) < 0)
		return nn_errx(err, EINVAL, "%s: not a PID: '%s'", path, s);
	/* a zombie has exited: its fds (the state dir's lock among them) are closed */
	if ((kill((pid_t)v, 0) < 0 && errno == ESRCH) || nn_proc_exited((pid_t)v))
		return nn_err(err, ESRCH, "nest in %s (pid %lu) is gone", dir, v);
	*pid = (pid_t)v;
	return 0;
}

/*
 * read_record() - parse sandbox record @file ("<name>.json") of the sandboxes dir @dirfd
 * @path: the record's whole path, for messages; @name: the name without ".json"
 */
static int read_record(int dirfd, const char *file, const char *path, const char *name,
		       struct nn_sandbox_rec *rec, struct nn_err *err)
{
	_cleanup_close_ int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);
	_cleanup_json_ json_t *j = NULL;
	json_t *pid, *start, *jname, *netns;
	json_error_t je;

	if (fd < 0)
		return nn_err(err, errno, "%s", path);
	j = json_loadfd(fd, 0, &je);
	if (!j)
		return nn_errx(err, EINVAL, "read %s: %s", path, je.text);
	pid = json_object_get(j, "pid");
	start = json_object_get(j, "starttime");
	jname = json_object_get(j, "name");
	if (!json_is_integer(pid) || json_integer_value(pid) <= 0 ||
	    json_integer_value(pid) > INT32_MAX)
		return nn_errx(err, EINVAL, "read %s: no \"pid\"", path);
	rec->pid = (pid_t)json_integer_value(pid);
	rec->starttime = 0;
	if (json_is_integer(start) && json_integer_value(start) > 0)
		rec->starttime = (unsigned long long)json_integer_value(start);
	netns = json_object_get(j, "netns");
	rec->netns = 0;
	if (json_is_integer(netns) && json_integer_value(netns) > 0)
		rec->netns = (unsigned long long)json_integer_value(netns);
	rec->bypass = json_is_true(json_object_get(j, "bypass"));
	if (!json_is_string(jname) || json_string_length(jname) > NN_NAME_MAX ||
	    strlen(json_string_value(jname)) != json_string_length(jname))
		snprintf(rec->name, sizeof(rec->name), "%s", name);
	else
		snprintf(rec->name, sizeof(rec->name), "%s", json_string_value(jname));
	return 0;
}

int nn_state_sandbox_read(const char *state_dir, const char *name, struct nn_sandbox_rec *rec,
			  struct nn_err *err)
{
	char path[PATH_MAX + NN_NAME_MAX + 32];
	const char *why;

	if (!nn_valid_name(name, NN_NAME_MAX, &why))
		return nn_errx(err, EINVAL, "sandbox name '%s' %s", name, why);
	snprintf(path, sizeof(path), "%s/sandboxes/%s.json", state_dir, name);
	/* one open of the whole path: a missing sandboxes dir is ENOENT too */
	return read_record(AT_FDCWD, path, path, name, rec, err);
}

bool nn_state_sandbox_live(const struct nn_sandbox_rec *rec)
{
	struct nn_proc_stat st;

	if (nn_proc_stat(rec->pid, &st, NULL) < 0)
		return false;
	return !rec->starttime || rec->starttime == st.starttime;
}

int nn_state_sandboxes(const char *state_dir,
		       int (*fn)(const struct nn_sandbox_rec *rec, void *arg), void *arg)
{
	char dir[PATH_MAX + 16], path[PATH_MAX + NN_NAME_MAX + 32], name[NN_NAME_MAX + 1];
	_cleanup_closedir_ DIR *d = NULL;
	struct nn_sandbox_rec rec;
	struct dirent *e;
	const char *why;
	int r;

	snprintf(dir, sizeof(dir), "%s/sandboxes", state_dir);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len <= 5 || len - 5 > NN_NAME_MAX || strcmp(e->d_name + len - 5, ".json"))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(len - 5), e->d_name);
		if (!nn_valid_name(name, NN_NAME_MAX, &why))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (read_record(dirfd(d), e->d_name, path, name, &rec, NULL) < 0)
			continue;
		r = fn(&rec, arg);
		if (r)
			return r;
	}
	return 0;
}

enum nn_state_kind nn_state_kind(const char *dir)
{
	char path[PATH_MAX + 32];
	struct stat st;

	snprintf(path, sizeof(path), "%s/" NN_STATE_CHILD_PID, dir);
	if (stat(path, &st) < 0)
		return NN_STATE_NONE;
	snprintf(path, sizeof(path), "%s/" NN_STATE_ENGINE_PID, dir);
	return stat(path, &st) == 0 ? NN_STATE_NEST : NN_STATE_ROOTLESSKIT;
}

int nn_state_mkdir(const char *path, struct nn_err *err)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return nn_err(err, errno, "create state dir %s", buf);
		*p = c;
		if (!c)
			return 0;
	}
}

bool nn_state_dir_ours(int dirfd)
{
	struct stat st;
	struct dirent *e;
	DIR *d;
	bool empty = true;
	int fd;

	if (fstatat(dirfd, "lock", &st, AT_SYMLINK_NOFOLLOW) == 0)
		return S_ISREG(st.st_mode);
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty;
}

/* is @name one of the NULL-ended @keep (NULL: none)? */
static bool kept(const char *name, const char *const *keep)
{
	for (; keep && *keep; keep++)
		if (!strcmp(name, *keep))
			return true;
	return false;
}

/* remove what @dirfd holds but the top-level names of @keep (NULL: all), recursively */
static void clear_dir(int dirfd, const char *const *keep)
{
	DIR *d;
	struct dirent *e;
	int fd = dup(dirfd);

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (kept(e->d_name, keep))
			continue;
		if (unlinkat(dirfd, e->d_name, 0) == 0 || (errno != EISDIR && errno != EPERM))
			continue;
		int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (sub >= 0) {
			clear_dir(sub, NULL);
			close(sub);
		}
		unlinkat(dirfd, e->d_name, AT_REMOVEDIR);
	}
	closedir(d);
}

static void clear_but(int dirfd, const char *const *keep)
{
	if (dirfd >= 0) {
		/* readdir() must start from the top even if the fd was read before. */
		lseek(dirfd, 0, SEEK_SET);
		clear_dir(dirfd, keep);
	}
}

void nn_state_clear(int dirfd, bool keep_lock)
{
	static const char *const lock[] = { "lock", NULL };

	clear_but(dirfd, keep_lock ? lock : NULL);
}

void nn_state_clear_stopped(int dirfd)
{
	static const char *const left[] = { "lock", NN_STATE_LOG, NN_STATE_STOPPED, NULL };

	clear_but(dirfd, left);
}

int nn_state_stopped_write(int dirfd, const char *why, struct nn_err *err)
{
	struct nn_state_stopped rec;
	char line[sizeof(rec.when) + sizeof(rec.why) + 2];
	time_t t = time(NULL);
	struct tm tm;
	int len;

	strftime(rec.when, sizeof(rec.when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	snprintf(rec.why, sizeof(rec.why), "%s", why);
	for (char *p = rec.why; (p = strpbrk(p, "\r\n"));)
		*p = ' ';
	len = snprintf(line, sizeof(line), "%s %s\n", rec.when, rec.why);
	return nn_write_file(dirfd, NN_STATE_STOPPED, 0444, line, (size_t)len, err);
}

int nn_state_stopped_read(const char *dir, struct nn_state_stopped *rec)
{
	char path[PATH_MAX + 16];
	_cleanup_free_ char *s = NULL;
	size_t len, wlen;
	const char *sp;

	snprintf(path, sizeof(path), "%s/" NN_STATE_STOPPED, dir);
	if (nn_read_file(AT_FDCWD, path, &s, &len, NULL) < 0)
		return -ENOENT;
	if (len && s[len - 1] == '\n')
		s[--len] = '\0';
	sp = strchr(s, ' ');
	if (!sp || sp == s || (wlen = (size_t)(sp - s)) >= sizeof(rec->when) || !sp[1] ||
	    strlen(sp + 1) >= sizeof(rec->why) || strlen(s) != len || strchr(sp + 1, '\n'))
		return -EINVAL;
	memcpy(rec->when, s, wlen);
	rec->when[wlen] = '\0';
	snprintf(rec->why, sizeof(rec->why), "%s", sp + 1);
	return 0;
}

int nn_state_not_running(const char *nest, const char *dir, struct nn_err *err)
{
	struct nn_state_stopped rec;

	if (nn_state_stopped_read(dir, &rec) == 0)
		return nn_errx(err, ENOENT, "no nest named %s is running: it stopped at %s: %s "
			       "(log: %s/%s)", nest, rec.when, rec.why, dir, NN_STATE_LOG);
	return nn_errx(err, ENOENT, "no nest named %s is running (state dir %s)", nest, dir);
}

void nn_state_remove_dir(const char *dir)
{
	char parent[PATH_MAX], *slash;

	if (rmdir(dir) < 0)
		return;
	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		return;
	*slash = '\0';
	slash = strrchr(parent, '/');
	if (slash && !strcmp(slash + 1, "netnest"))
		rmdir(parent);
}
