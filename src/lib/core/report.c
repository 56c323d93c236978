// SPDX-License-Identifier: GPL-2.0-or-later
/* report.c - a child's start outcome over a pipe (see report.h) */
#include <errno.h>
#include <poll.h>
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

static ssize_t read_record(int fd, struct record *rec)
{
	ssize_t n;

	do
		n = read(fd, rec, sizeof(*rec));
	while (n < 0 && errno == EINTR);
	return n;
}

int nn_report_recv(int fd, const char *who, struct nn_err *err)
{
	struct record rec;
	ssize_t n = read_record(fd, &rec);

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

bool nn_report_last(int fd, struct nn_err *err)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct record rec;

	if (fd < 0 || poll(&pfd, 1, 0) != 1 || read_record(fd, &rec) != (ssize_t)sizeof(rec) ||
	    rec.ret == 0)
		return false;
	*err = rec.err;
	if (!err->code)
		err->code = rec.ret < 0 ? -rec.ret : EINVAL;
	return true;
}
