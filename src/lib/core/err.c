// SPDX-License-Identifier: GPL-2.0-or-later
/* err.c - error objects (see err.h) */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

/* fill() - the common part of nn_err() and nn_errx(): @code made positive and non-zero */
static __attribute__((format(printf, 4, 0))) int
fill(struct nn_err *err, int code, bool why, const char *fmt, va_list ap)
{
	int n;

	if (code < 0)
		code = -code;
	if (!code)
		code = EIO;
	if (!err)
		return -code;
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (n < 0) {
		n = 0;
		err->msg[0] = '\0';
	}
	if (why && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(code));
	err->code = code;
	return -code;
}

int nn_err(struct nn_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = fill(err, errnum, true, fmt, ap);
	va_end(ap);
	return r;
}

int nn_errx(struct nn_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = fill(err, code, false, fmt, ap);
	va_end(ap);
	return r;
}

int nn_err_wrap(struct nn_err *err, const char *fmt, ...)
{
	char ctx[NN_ERR_MSG], old[NN_ERR_MSG];
	va_list ap;

	if (!err)
		return -EIO;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", ctx, old);
	if (!err->code)
		err->code = EIO;
	return -err->code;
}

static void (*notice_sink)(const char *msg);

void nn_notice_set_sink(void (*sink)(const char *msg))
{
	notice_sink = sink;
}

void nn_notice(const char *fmt, ...)
{
	char msg[NN_ERR_MSG];
	va_list ap;

	if (!notice_sink)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	notice_sink(msg);
}
