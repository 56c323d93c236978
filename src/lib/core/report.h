/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_REPORT_H
#define NN_REPORT_H

/*
 * A forked child tells its parent that it started, or why it did not, over a pipe: one
 * write of a fixed-size record, atomic because it is under PIPE_BUF (pipe(7)).  Used by
 * the nest daemon (to the `up` process) and by the engine (to the daemon).
 */

#include <stdbool.h>

#include "err.h"

/**
 * nn_report_send() - send the outcome of a start
 * @fd:  write end of the pipe (not closed here)
 * @ret: 0 for "ready", else the negative errno of the failure
 * @err: the failure's message (ignored when @ret is 0; may be NULL)
 *
 * Return: 0, or the negative errno of write(2) (the parent is gone).
 */
int nn_report_send(int fd, int ret, const struct nn_err *err);

/**
 * nn_report_recv() - wait for the outcome of a start
 * @fd:  read end of the pipe; the child's copy of the write end must be closed
 * @who: the child, for the message when it exits without a word ("nest daemon")
 * @err: filled with the child's message on failure
 *
 * Return: 0 when the child is ready, the child's negative errno, or -ECHILD when the
 * pipe closed before any record (the child died).
 */
int nn_report_recv(int fd, const char *who, struct nn_err *err);

/**
 * nn_report_last() - a child's last word, if it left one: a failure record already waiting
 * @fd:  read end of the pipe or socket (-1: none)
 * @err: filled with the record's message (its code set) when there is one
 *
 * Does not wait.  Unlike nn_report_recv(), a pipe closed without a record is no word at
 * all, so a record whose own code is ECHILD ("the network engine exited") is not lost.
 * Return: true when a failure record was read; false for none, or a "ready" record.
 */
bool nn_report_last(int fd, struct nn_err *err);

#endif
