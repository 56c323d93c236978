// SPDX-License-Identifier: GPL-2.0-or-later
/* userns.c - uid/gid maps of the nest's user namespace (see userns.h) */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "userns.h"
#include "util.h"

#define NEWUIDMAP "/usr/bin/newuidmap"
#define NEWGIDMAP "/usr/bin/newgidmap"
#define NSSWITCH "/etc/nsswitch.conf"

/* The highest ID a map may reach: (uid_t)-1 is "no ID" (kernel/user_namespace.c). */
#define ID_LAST 4294967294UL

int nn_subid_source_parse(const char *s, enum nn_subid_source *out)
{
	static const char *const names[] = {
		[NN_SUBID_AUTO] = "auto",
		[NN_SUBID_DYNAMIC] = "dynamic",
		[NN_SUBID_STATIC] = "static",
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i])) {
			*out = (enum nn_subid_source)i;
			return 0;
		}
	return -EINVAL;
}

int nn_subid_add(struct nn_subids *s, unsigned long start, unsigned long count)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->r[i].start == start && s->r[i].count == count)
			return 0;
	if (s->n == NN_SUBID_MAX)
		return -E2BIG;
	s->r[s->n++] = (struct nn_subid){ start, count };
	return 1;
}

/* Append a range given as two decimal strings; malformed ones are skipped (0). */
static int add_text(struct nn_subids *s, const char *start, const char *count)
{
	unsigned long st, c;

	if (!start || !count || nn_parse_uint(start, 1, ID_LAST, &st) < 0 ||
	    nn_parse_uint(count, 1, ID_LAST + 1 - st, &c) < 0)
		return 0;
	return nn_subid_add(s, st, c);
}

int nn_subid_file(const char *path, const char *name, unsigned id, struct nn_subids *out)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[512], idtext[16];

	if (!f)
		return -ENOENT;
	snprintf(idtext, sizeof(idtext), "%u", id);
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *owner = strsep(&p, ":"), *s = strsep(&p, ":");
		char *c = strsep(&p, ":\n");

		/* exactly three fields: "owner:start:count" and the end of the line */
		if (!c || (p && *p) || !*owner ||
		    (strcmp(owner, idtext) && (!name || strcmp(owner, name))))
			continue;
		if (add_text(out, s, c) < 0)
			return -E2BIG;
	}
	return 0;
}

int nn_subid_parse_getsubids(const char *text, struct nn_subids *out)
{
	while (*text) {
		size_t len = strcspn(text, "\n");
		char line[512], *save = NULL, *idx, *s, *c;

		if (len < sizeof(line)) {
			memcpy(line, text, len);
			line[len] = '\0';
			idx = strtok_r(line, " \t", &save);
			strtok_r(NULL, " \t", &save); /* the owner */
			s = strtok_r(NULL, " \t", &save);
			c = strtok_r(NULL, " \t", &save);
			if (idx && idx[strlen(idx) - 1] == ':' && !strtok_r(NULL, " \t", &save) &&
			    add_text(out, s, c) < 0)
				return -E2BIG;
		}
		text += len + (text[len] == '\n');
	}
	return 0;
}

/* Append "; "-separated printf text to @buf of @len bytes (cut when full). */
__attribute__((format(printf, 3, 4)))
static void notice_add(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strnlen(buf, len);
	va_list ap;

	if (used + 3 >= len)
		return;
	if (used) {
		memcpy(buf + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static bool overlaps(const struct nn_subid *a, unsigned long start, unsigned long count)
{
	return start < a->start + a->count && a->start < start + count;
}

size_t nn_subid_check(struct nn_subids *s, unsigned long own, const char *what, char *notice,
		      size_t len)
{
	unsigned long next = 1; /* the first ID inside for the next range */
	size_t kept = 0, i, j;

	for (i = 0; i < s->n; i++) {
		const struct nn_subid *r = &s->r[i];
		const char *why = NULL;

		if (own >= r->start && own - r->start < r->count)
			why = "holds the user's own ID, which ID 0 maps";
		for (j = 0; !why && j < kept; j++)
			if (overlaps(&s->r[j], r->start, r->count))
				why = "overlaps an earlier range";
		if (!why && r->count > ID_LAST + 1 - next)
			why = "does not fit in the ID space after the earlier ones";
		if (why) {
			notice_add(notice, len, "%s range %lu-%lu (%lu IDs) %s: left out", what,
				   r->start, r->start + r->count - 1, r->count, why);
			continue;
		}
		next += r->count;
		s->r[kept++] = *r;
	}
	i = s->n - kept;
	s->n = kept;
	return i;
}

/*
 * Start @argv[0] (execvp: a bare name is looked up in PATH) with its fd @fd (1 or 2) on a
 * pipe whose read end goes to *@out and the other of fds 1 and 2 on /dev/null.
 * Return: its PID, or a negative errno.
 */
static pid_t spawn_capture(char *const argv[], int fd, int *out)
{
	int p[2];
	pid_t child;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	child = fork();
	if (child < 0) {
		int e = errno;

		close(p[0]);
		close(p[1]);
		return -e;
	}
	if (child == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (dup2(p[1], fd) < 0 || null < 0 || dup2(null, fd == 1 ? 2 : 1) < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	*out = p[0];
	return child;
}

/*
 * Read @fd to its end into @buf (NUL-terminated, what does not fit is dropped), close it,
 * and reap @child. Return: its wait status, or -1.
 */
static int finish_capture(pid_t child, int fd, char *buf, size_t len)
{
	size_t used = 0;
	char sink[512];
	int status;

	for (;;) {
		bool room = used + 1 < len;
		ssize_t n = room ? read(fd, buf + used, len - 1 - used) : read(fd, sink, sizeof(sink));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (room)
			used += (size_t)n;
	}
	buf[used] = '\0';
	close(fd);
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

/* One "getsubids [-g] OWNER" run; its ranges go to @out. Return: 0, -ENOENT no program,
 * -EIO it failed, -E2BIG. */
static int getsubids_one(const char *prog, bool group, const char *owner, struct nn_subids *out)
{
	char *argv[4], text[16384];
	int fd, i = 0, status;
	pid_t child;

	argv[i++] = (char *)prog;
	if (group)
		argv[i++] = (char *)"-g";
	argv[i++] = (char *)owner;
	argv[i] = NULL;
	child = spawn_capture(argv, 1, &fd);
	if (child < 0)
		return -EIO;
	status = finish_capture(child, fd, text, sizeof(text));
	if (status < 0 || !WIFEXITED(status))
		return -EIO;
	if (WEXITSTATUS(status) == 127)
		return -ENOENT;
	if (WEXITSTATUS(status) != 0)
		return -EIO; /* "Error fetching ranges": no range for this owner */
	return nn_subid_parse_getsubids(text, out);
}

/* RootlessKit's dynamic source: the ranges of "getsubids NAME" and "getsubids UID".
 * Return: 0, -ENOENT (no getsubids), -EIO (both runs failed), -E2BIG. */
static int getsubids(bool group, const char *name, unsigned id, struct nn_subids *out)
{
	const char *prog = getenv("GETSUBIDS");
	char idtext[16];
	int a, b;

	if (!prog || !*prog)
		prog = "getsubids";
	snprintf(idtext, sizeof(idtext), "%u", id);
	a = name ? getsubids_one(prog, group, name, out) : -EIO;
	if (a == -E2BIG || a == -ENOENT)
		return a;
	b = getsubids_one(prog, group, idtext, out);
	if (b == -E2BIG || (a < 0 && b < 0))
		return b;
	return 0;
}

/* Does NSS name a subid source (nsswitch.conf(5) "subid: ...", shadow's libsubid)? */
static bool nss_has_subid(void)
{
	_cleanup_fclose_ FILE *f = fopen(NSSWITCH, "re");
	char line[512];

	while (f && fgets(line, sizeof(line), f)) {
		const char *p = line + strspn(line, " \t");

		if (!strncmp(p, "subid:", 6) && p[6 + strspn(p + 6, " \t")] > ' ')
			return true;
	}
	return false;
}

int nn_subid_lookup(enum nn_subid_source src, bool group, const char *name, unsigned id,
		    struct nn_subids *out, const char **from)
{
	int r;

	out->n = 0;
	if (src == NN_SUBID_DYNAMIC ||
	    (src == NN_SUBID_AUTO && ((getenv("GETSUBIDS") && *getenv("GETSUBIDS")) ||
				      nss_has_subid()))) {
		*from = group ? "getsubids -g" : "getsubids";
		r = getsubids(group, name, id, out);
		if (src == NN_SUBID_DYNAMIC)
			return r == -EIO ? 0 : r; /* a failed run: no range */
		if (r == 0 && out->n)
			return 0;
		out->n = 0;
	}
	*from = group ? "/etc/subgid" : "/etc/subuid";
	r = nn_subid_file(*from, name, id, out);
	return r == -ENOENT ? 0 : r;
}

int nn_idmap_helper_check(const char *path, char *why, size_t len)
{
	struct statvfs vfs;
	struct stat st;

	if (stat(path, &st) < 0) {
		snprintf(why, len, "%s is missing", path);
		return -ENOENT;
	}
	if (!S_ISREG(st.st_mode) || access(path, X_OK) < 0) {
		snprintf(why, len, "%s is not executable", path);
		return -ENOENT;
	}
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1) {
		snprintf(why, len, "%s cannot work: no_new_privs is set on this process "
			 "(NoNewPrivs: 1 in /proc/self/status), so execve(2) grants no setuid",
			 path);
		return -EPERM;
	}
	if (!((st.st_mode & S_ISUID) && st.st_uid == 0) &&
	    getxattr(path, "security.capability", NULL, 0) <= 0) {
		snprintf(why, len, "%s cannot work: it has neither the setuid bit (owner root) "
			 "nor a file capability", path);
		return -EACCES;
	}
	if (statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_NOSUID)) {
		snprintf(why, len, "%s cannot work: its file system is mounted nosuid", path);
		return -EROFS;
	}
	return 0;
}

/* An ID-map helper that runs: its PID and the read end of its stderr. */
struct helper {
	const char *path;
	pid_t pid;
	int fd;
	char args[64 + NN_SUBID_MAX * 36]; /* "PID 0 ID 1 1 S C ..." for messages */
};

/* Start @h->path PID 0 @id 1 then the ranges of @s packed from 1. Return: 0 or -errno. */
static int spawn_helper(struct helper *h, pid_t pid, unsigned id, const struct nn_subids *s,
			struct nn_err *err)
{
	char text[3 + 3 * (NN_SUBID_MAX + 1)][24];
	char *argv[ARRAY_SIZE(text) + 2];
	unsigned long next = 1;
	size_t n = 0, used = 0;

	argv[0] = (char *)h->path;
	snprintf(text[n++], sizeof(text[0]), "%d", pid);
	snprintf(text[n++], sizeof(text[0]), "0");
	snprintf(text[n++], sizeof(text[0]), "%u", id);
	snprintf(text[n++], sizeof(text[0]), "1");
	for (size_t i = 0; i < s->n; i++) {
		snprintf(text[n++], sizeof(text[0]), "%lu", next);
		snprintf(text[n++], sizeof(text[0]), "%lu", s->r[i].start);
		snprintf(text[n++], sizeof(text[0]), "%lu", s->r[i].count);
		next += s->r[i].count;
	}
	for (size_t i = 0; i < n; i++) {
		argv[i + 1] = text[i];
		used += (size_t)snprintf(h->args + used, sizeof(h->args) - used, "%s%s",
					 i ? " " : "", text[i]);
	}
	argv[n + 1] = NULL;
	h->pid = spawn_capture(argv, 2, &h->fd);
	if (h->pid < 0)
		return nn_err(err, -h->pid, "start %s", h->path);
	return 0;
}

/* Reap a helper. Return: 0 if it exited 0, else -EPERM with @err quoting its stderr. */
static int wait_helper(struct helper *h, struct nn_err *err)
{
	char text[512];
	int status = finish_capture(h->pid, h->fd, text, sizeof(text));
	size_t len = strlen(text);

	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	for (char *p = text; *p; p++)
		if (*p == '\n')
			*p = ' ';
	if (status < 0)
		return nn_err(err, errno, "wait for %s", h->path);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return nn_errx(err, EPERM, "%s %s failed (exit status %d)%s%s", h->path, h->args,
			       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
			       len ? ": " : "", text);
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

/* The single mapping: only the caller's own uid and gid, as ID 0. */
static int map_single(pid_t pid, uid_t uid, gid_t gid, struct nn_err *err)
{
	char map[64];
	int r;

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

/* Run newuidmap and newgidmap side by side (they are independent). Return: 0 or -errno. */
static int map_ranges(pid_t pid, uid_t uid, gid_t gid, const struct nn_subids *us,
		      const struct nn_subids *gs, struct nn_err *err)
{
	struct helper hu = { .path = NEWUIDMAP }, hg = { .path = NEWGIDMAP };
	int r, rg;

	r = spawn_helper(&hu, pid, uid, us, err);
	if (r < 0)
		return r;
	rg = spawn_helper(&hg, pid, gid, gs, err);
	r = wait_helper(&hu, rg < 0 ? NULL : err);
	if (rg < 0)
		return rg;
	rg = wait_helper(&hg, r < 0 ? NULL : err);
	return r < 0 ? r : rg;
}

int nn_userns_map(pid_t pid, uid_t uid, gid_t gid, enum nn_subid_source src, char *notice,
		  struct nn_err *err)
{
	struct passwd *pw = getpwuid(uid);
	const char *name = pw ? pw->pw_name : NULL, *ufrom, *gfrom;
	char buf[NN_ERR_MSG - 64] = "", why[256];
	struct nn_subids us, gs;
	bool have_u, have_g;
	int ru, rg;

	if (nn_idmap_helper_check(NEWUIDMAP, why, sizeof(why)) < 0 ||
	    nn_idmap_helper_check(NEWGIDMAP, why, sizeof(why)) < 0) {
		notice_add(buf, sizeof(buf), "%s", why);
		goto single;
	}
	ru = nn_subid_lookup(src, false, name, uid, &us, &ufrom);
	rg = nn_subid_lookup(src, true, name, uid, &gs, &gfrom);
	if (ru == -ENOENT || rg == -ENOENT) {
		notice_add(buf, sizeof(buf), "--subid-source=dynamic: getsubids could not be run");
		goto single;
	}
	if (ru == -E2BIG || rg == -E2BIG)
		notice_add(buf, sizeof(buf), "user %s has more than %d ranges: the first %d are "
			   "used", name ? name : "?", NN_SUBID_MAX, NN_SUBID_MAX);
	have_u = us.n > 0;
	have_g = gs.n > 0;
	nn_subid_check(&us, uid, "subuid", buf, sizeof(buf));
	nn_subid_check(&gs, gid, "subgid", buf, sizeof(buf));
	if (us.n && gs.n) {
		if (notice)
			snprintf(notice, NN_ERR_MSG, "%s", buf);
		return map_ranges(pid, uid, gid, &us, &gs, err);
	}
	if (have_u && have_g)
		notice_add(buf, sizeof(buf), "user %s has no usable %s range", name ? name : "?",
			   us.n ? "subgid" : gs.n ? "subuid" : "subuid and subgid");
	else if (!have_u && !have_g)
		notice_add(buf, sizeof(buf), "user %s has no range in %s and %s",
			   name ? name : "?", ufrom, gfrom);
	else
		notice_add(buf, sizeof(buf), "user %s has no range in %s", name ? name : "?",
			   have_u ? gfrom : ufrom);
single:
	if (notice)
		snprintf(notice, NN_ERR_MSG, "%s: the nest maps only uid %u (as root)", buf,
			 (unsigned)uid);
	return map_single(pid, uid, gid, err);
}
