// SPDX-License-Identifier: GPL-2.0-or-later
/* proc.c - a process's stat, comm, cmdline, exe and environ (see proc.h; proc(5)) */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "util.h"

/* to_ull() - the whole of [@p, @end) as a decimal number; false if it is not one */
static bool to_ull(const char *p, const char *end, unsigned long long *v)
{
	unsigned long long x = 0;

	if (p == end)
		return false;
	for (; p < end; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (d > 9 || x > (ULLONG_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

int nn_proc_stat_parse(const char *buf, size_t len, struct nn_proc_stat *out)
{
	const char *end = buf + len, *open, *close, *p, *tok;
	unsigned long long v;

	memset(out, 0, sizeof(*out));
	open = memchr(buf, '(', len);
	close = memrchr(buf, ')', len); /* comm may hold ')': the last one ends it */
	if (!open || !close || close < open || open == buf || open[-1] != ' ')
		return -EINVAL;
	if (!to_ull(buf, open - 1, &v) || v == 0 || v > INT_MAX)
		return -EINVAL;
	out->pid = (pid_t)v;
	snprintf(out->comm, sizeof(out->comm), "%.*s", (int)(close - open - 1), open + 1);
	/* ") S": the state is one character between two spaces */
	p = close + 1;
	if (end - p < 3 || p[0] != ' ' || p[2] != ' ')
		return -EINVAL;
	out->state = p[1];
	p += 2;
	for (int field = 4; field <= 22; field++) {
		if (p >= end || *p != ' ')
			return -EINVAL;
		tok = ++p;
		while (p < end && *p != ' ' && *p != '\n')
			p++;
		if (p == tok)
			return -EINVAL;
		if (field == 4) {
			if (!to_ull(tok, p, &v) || v > INT_MAX)
				return -EINVAL;
			out->ppid = (pid_t)v;
		}
		if (field == 22 && !to_ull(tok, p, &out->starttime))
			return -EINVAL;
	}
	/* a start time at the very end may have been cut: the kernel writes more after it */
	return p < end ? 0 : -EINVAL;
}

/* read_pid_file() - /proc/@pid/@name into @s (@len bytes); @path gets the path, for messages */
static int read_pid_file(pid_t pid, const char *name, char path[64], char **s, size_t *len,
			 struct nn_err *err)
{
	snprintf(path, 64, "/proc/%d/%s", (int)pid, name);
	return nn_read_file(AT_FDCWD, path, s, len, err);
}

int nn_proc_stat(pid_t pid, struct nn_proc_stat *out, struct nn_err *err)
{
	char path[64];
	_cleanup_free_ char *s = NULL;
	size_t len;
	int r;

	r = read_pid_file(pid, "stat", path, &s, &len, err);
	if (r < 0)
		return r;
	if (nn_proc_stat_parse(s, len, out) < 0)
		return nn_errx(err, EINVAL, "%s: not in the form of proc(5)", path);
	return 0;
}

bool nn_proc_exited(pid_t pid)
{
	struct nn_proc_stat st;

	return nn_proc_stat(pid, &st, NULL) == 0 && (st.state == 'Z' || st.state == 'X');
}

int nn_proc_comm(pid_t pid, char *buf, size_t len, struct nn_err *err)
{
	char path[64];
	_cleanup_free_ char *s = NULL;
	int r;

	r = read_pid_file(pid, "comm", path, &s, NULL, err);
	if (r < 0)
		return r;
	snprintf(buf, len, "%.*s", (int)strcspn(s, "\n"), s);
	return 0;
}

int nn_proc_cmdline(pid_t pid, char **out, struct nn_err *err)
{
	char path[64];
	_cleanup_free_ char *s = NULL;
	size_t n = 0;
	int r;

	*out = NULL;
	r = read_pid_file(pid, "cmdline", path, &s, &n, err);
	if (r < 0)
		return r;
	if (n == 0)
		return nn_err(err, ENODATA, "%s is empty (a kernel thread, or an exited process)",
			      path);
	/* the arguments end in NULs; the last one ends the string */
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == '\0')
			s[i] = ' ';
	*out = steal_pointer(&s);
	return 0;
}

int nn_proc_exe(pid_t pid, char *buf, size_t len, struct nn_err *err)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = len ? readlink(path, buf, len - 1) : -1;
	if (n < 0)
		return nn_err(err, len ? errno : EINVAL, "read the link %s", path);
	buf[n] = '\0';
	return 0;
}

int nn_proc_env_find(const char *buf, size_t len, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);

	for (size_t i = 0; i < len;) {
		const char *e = buf + i, *end = memchr(e, '\0', len - i);
		size_t elen = end ? (size_t)(end - e) : len - i;

		if (elen > nlen && e[nlen] == '=' && !memcmp(e, name, nlen)) {
			size_t vlen = elen - nlen - 1;

			if (!outlen || vlen >= outlen) {
				if (outlen)
					*out = '\0';
				return -ENAMETOOLONG;
			}
			memcpy(out, e + nlen + 1, vlen);
			out[vlen] = '\0';
			return 0;
		}
		i += elen + 1;
	}
	return -ENOENT;
}

int nn_proc_getenv(pid_t pid, const char *name, char *out, size_t outlen, struct nn_err *err)
{
	char path[64];
	_cleanup_free_ char *s = NULL;
	size_t n = 0;
	int r;

	r = read_pid_file(pid, "environ", path, &s, &n, err);
	if (r < 0)
		return r;
	r = nn_proc_env_find(s, n, name, out, outlen);
	if (r == -ENOENT)
		return nn_errx(err, ENOENT, "%s: %s is not set", path, name);
	if (r < 0)
		return nn_errx(err, -r, "%s: the value of %s is longer than %zu bytes", path, name,
			       outlen ? outlen - 1 : 0);
	return 0;
}
