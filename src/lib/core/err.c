// SPDX-License-Identifier: GPL-2.0-or-later
/* err.c - error objects (see err.h) */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int nn_err(struct nn_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (errnum < 0)
		errnum = -errnum;
	if (!err)
		return errnum ? -errnum : -EINVAL;
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (errnum && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(errnum));
	err->code = errnum;
	return errnum ? -errnum : -EINVAL;
}

int nn_err_wrap(struct nn_err *err, const char *fmt, ...)
{
	char ctx[NN_ERR_MSG], old[NN_ERR_MSG];
	va_list ap;

	if (!err)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", ctx, old);
	return err->code ? -err->code : -EINVAL;
}
