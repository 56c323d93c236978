/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_ERR_H
#define NN_ERR_H

/*
 * Error objects in the manner of crun's libcrun_error_t: a library function that
 * can fail takes a struct nn_err * as its last argument, fills it with what failed
 * on which object and why, and returns the negative errno.  Only the verb prints it,
 * once, as "netnest: <what failed>: <why>".
 *
 * Two calls fill it, split as util-linux splits err() and errx(): nn_err() for a
 * failed system call, whose errno text says why; nn_errx() when the message itself
 * says why.  Both set @code and return its negative, so the two cannot disagree.
 */

#include <stddef.h>

#define NN_ERR_MSG 1024

struct nn_err {
	int code;              /* positive errno; 0 only while nothing has failed */
	char msg[NN_ERR_MSG];  /* "what failed on which object: why" */
};

/**
 * nn_err() - fill @err with a failed call and its errno text; return the negative errno
 * @err:    error object to fill, may be NULL (then only the return value counts)
 * @errnum: positive errno of the failed call (a negative one is taken as positive);
 *          its strerror(3) text is appended as ": why".  0 is a caller's bug (errno
 *          read where nothing set it): it is recorded as EIO, with EIO's text.
 * @fmt:    printf format naming what failed and on which object
 *
 * A message longer than NN_ERR_MSG - 1 bytes is cut, and then gets no ": why".
 * Return: -@errnum (-EIO when @errnum is 0), the negative of what @err->code holds.
 */
int nn_err(struct nn_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * nn_errx() - fill @err with a failure the message explains; return the negative code
 * @err:  error object to fill, may be NULL (then only the return value counts)
 * @code: positive errno the caller returns ("is not a veth": ENOENT); nothing of its
 *        text is appended.  A negative one is taken as positive; 0 is recorded as EIO.
 * @fmt:  printf format saying what failed, on which object, and why
 *
 * A message longer than NN_ERR_MSG - 1 bytes is cut.
 * Return: -@code (-EIO when @code is 0), the negative of what @err->code holds.
 */
int nn_errx(struct nn_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * nn_err_wrap() - prefix context to an error already in @err
 * @err: error object filled by a callee (nn_err() or nn_errx()), may be NULL
 * @fmt: printf format of the context ("start nest default")
 *
 * The message becomes "<context>: <old message>", cut to NN_ERR_MSG - 1 bytes;
 * @err->code is kept.
 * Return: -@err->code; -EIO if @err is NULL or holds no code (a callee's bug).
 */
int nn_err_wrap(struct nn_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * nn_notice_set_sink() - where nn_notice() sends its messages
 * @sink: called with each message (its own copy of nothing: @msg lives for the call
 *        only), from whatever thread noticed; NULL (the default) drops them
 *
 * The library never prints; a program that wants to hear of a fallback it took (a
 * daemon that goes on with less) sets a sink once at start, before any thread.
 */
void nn_notice_set_sink(void (*sink)(const char *msg));

/**
 * nn_notice() - tell the program of something that is not an error: a feature that
 * could not be had and what is done instead
 * @fmt: printf format of the whole message, cut to NN_ERR_MSG - 1 bytes
 *
 * The caller decides how often (once per daemon for a fallback); nothing is kept here.
 */
void nn_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
