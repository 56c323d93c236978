/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_ERR_H
#define NN_ERR_H

/*
 * Error objects in the manner of crun's libcrun_error_t: a library function that
 * can fail takes a struct nn_err * as its last argument, fills it with what failed
 * on which object and why, and returns the negative errno.  Only the verb prints it,
 * once, as "netnest: <what failed>: <why>".
 */

#include <stddef.h>

#define NN_ERR_MSG 1024

struct nn_err {
	int code;              /* positive errno, or 0 when no errno applies */
	char msg[NN_ERR_MSG];  /* "what failed on which object: why" */
};

/**
 * nn_err() - fill @err and return the negative errno
 * @err:    error object to fill, may be NULL (then only the return value counts)
 * @errnum: positive errno; its strerror() text is appended as ": why".  0 appends
 *          nothing (the message already says why) and the call returns -EINVAL.
 * @fmt:    printf format naming what failed and on which object
 *
 * Return: -@errnum, or -EINVAL when @errnum is 0.
 */
int nn_err(struct nn_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * nn_err_wrap() - prefix context to an error already in @err
 * @err: error object filled by a callee
 * @fmt: printf format of the context ("start nest default")
 *
 * The message becomes "<context>: <old message>".  Return: -@err->code, or -EINVAL.
 */
int nn_err_wrap(struct nn_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
