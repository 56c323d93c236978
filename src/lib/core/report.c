// SPDX-License-Identifier: GPL-2.0-or-later
/* report.c - a child's start outcome over a pipe (see report.h) */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "report.h"

struct record {
	int32_t ret;
	struct nn_err err;
};

_Static_assert(sizeof(struct record) <= 4096, "a record must fit PIPE_BUF to be atomic");

int nn_report_send(int fd, int ret, const struct nn_err *err)
{
	struct record rec = { .ret = ret };

	if (ret && err)
		rec.err = *err;
	while (write(fd, &rec, sizeof(rec)) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

int nn_report_recv(int fd, const char *who, struct nn_err *err)
{
	struct record rec;
	ssize_t n;

	do
		n = read(fd, &rec, sizeof(rec));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return nn_err(err, errno, "wait for %s to start", who);
	if (n != (ssize_t)sizeof(rec))
		return nn_errx(err, ECHILD, "%s exited before it was ready", who);
	if (rec.ret == 0)
		return 0;
	if (err)
		*err = rec.err;
	return rec.ret < 0 ? rec.ret : -EINVAL;
}
