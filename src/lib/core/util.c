// SPDX-License-Identifier: GPL-2.0-or-later
/* util.c - small file and parsing helpers (see util.h) */
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

int nn_read_file(int dirfd, const char *path, char **out, size_t *len, struct nn_err *err)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t cap = 0, n = 0;

	if (fd < 0)
		return nn_err(err, errno, "open %s", path);
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			char *nb;

			cap = cap ? cap * 2 : 4096;
			nb = realloc(buf, cap);
			if (!nb)
				return nn_err(err, ENOMEM, "read %s", path);
			buf = nb;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return nn_err(err, errno, "read %s", path);
		}
		if (r == 0)
			break;
		n += r;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	*out = steal_pointer(&buf);
	return 0;
}

int nn_write_sysctl(const char *path, const char *val, const char *where, struct nn_err *err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(val);
	int shown = (int)strcspn(val, "\n");

	if (fd < 0 || write(fd, val, len) != (ssize_t)len)
		return nn_err(err, errno, "set %s to %.*s in %s", path, shown, val, where);
	return 0;
}

int nn_write_file(int dirfd, const char *path, mode_t mode, const void *data, size_t len,
		  struct nn_err *err)
{
	char tmp[4096];
	_cleanup_close_ int fd = -1;
	const char *p = data;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return nn_err(err, ENAMETOOLONG, "write %s", path);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return nn_err(err, errno, "create %s", tmp);
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			unlinkat(dirfd, tmp, 0);
			return nn_err(err, e, "write %s", tmp);
		}
		p += w;
		len -= w;
	}
	if (renameat(dirfd, tmp, dirfd, path) < 0) {
		int e = errno;
		unlinkat(dirfd, tmp, 0);
		return nn_err(err, e, "rename %s to %s", tmp, path);
	}
	return 0;
}

int nn_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!s || !*s)
		return -EINVAL;
	for (const char *c = s; *c; c++) {
		if (!isdigit((unsigned char)*c))
			return -EINVAL;
		if (v > (max - (*c - '0')) / 10 + 1)
			return -ERANGE;
		v = v * 10 + (*c - '0');
		if (v > max)
			return -ERANGE;
	}
	if (v < min)
		return -ERANGE;
	*out = v;
	return 0;
}

bool nn_valid_name(const char *name, size_t max, const char **why)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0) {
		*why = "is empty";
		return false;
	}
	if (n > max) {
		static char buf[64];
		snprintf(buf, sizeof(buf), "is longer than %zu bytes", max);
		*why = buf;
		return false;
	}
	if (strchr(name, '/')) {
		*why = "contains '/'";
		return false;
	}
	if (strstr(name, "..")) {
		*why = "contains '..'";
		return false;
	}
	if (!isalnum((unsigned char)name[0])) {
		*why = "must start with a letter or digit";
		return false;
	}
	for (const char *c = name; *c; c++) {
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '.' && *c != '-') {
			*why = "may hold only letters, digits, '_', '.' and '-'";
			return false;
		}
	}
	return true;
}

/* ascii_lower() - @c in lower case if it is an ASCII capital, whatever the locale */
static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

json_t *nn_json_get_fold(json_t *obj, const char *key)
{
	size_t want = strlen(key), len;
	json_t *v, *found = NULL;
	const char *k;

	json_object_keylen_foreach(obj, k, len, v) {
		size_t i = 0;

		while (len == want && i < len && ascii_lower(k[i]) == ascii_lower(key[i]))
			i++;
		if (len == want && i == len)
			found = v;
	}
	return found;
}

void nn_close_inherited(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		int flags;

		if (*end || end == e->d_name || fd < 3 || fd == dirfd(d))
			continue;
		flags = fcntl((int)fd, F_GETFD);
		if (flags >= 0 && !(flags & FD_CLOEXEC))
			close((int)fd);
	}
	closedir(d);
}
