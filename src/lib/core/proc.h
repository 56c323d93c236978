/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_PROC_H
#define NN_PROC_H

/*
 * /proc/PID: the one reader of a process's stat, comm, cmdline, exe and environ (proc(5)),
 * in the manner of util-linux lib/procfs.c.  Everything else that needs to know whether a
 * process is the one it was (start time), whether it has exited (state), what it runs or
 * what environment it started with asks here.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* /proc/PID/comm: TASK_COMM_LEN 16, longer for workqueue workers (fs/proc/array.c) */
#define NN_PROC_COMM_MAX 64

/* The fields of /proc/PID/stat netnest uses (proc(5), fs/proc/array.c do_task_stat). */
struct nn_proc_stat {
	pid_t pid;                    /* field 1 */
	char comm[NN_PROC_COMM_MAX];  /* field 2 without its parentheses, cut to fit */
	char state;                   /* field 3: R, S, D, T, t, Z (zombie), X (dead), ... */
	pid_t ppid;                   /* field 4 */
	unsigned long long starttime; /* field 22: clock ticks after boot when it started */
};

/**
 * nn_proc_stat_parse() - parse the text of a /proc/PID/stat file
 * @buf: the text; need not be NUL-terminated, never read past @len
 * @len: its length in bytes
 * @out: filled (zeroed first)
 *
 * "PID (COMM) S PPID ... STARTTIME ...": comm may hold spaces, parentheses and newlines,
 * so it ends at the last ')' of @buf; the fields after it are split on single spaces.
 * Field 22 must be followed by a space or a newline (the kernel writes 52 fields), so a
 * cut-off text is refused rather than read as a smaller start time.
 * Return: 0, or -EINVAL when @buf is not in that form or stops before field 22.
 */
int nn_proc_stat_parse(const char *buf, size_t len, struct nn_proc_stat *out);

/**
 * nn_proc_stat() - read and parse /proc/@pid/stat
 * @pid: the process
 * @out: filled
 * @err: error object naming the file (may be NULL)
 * Return: 0; the negative errno of open(2)/read(2) (-ENOENT when there is no such
 * process); -EINVAL when the file is not in the form of proc(5).
 */
int nn_proc_stat(pid_t pid, struct nn_proc_stat *out, struct nn_err *err);

/**
 * nn_proc_exited() - has @pid exited without being reaped (state Z, zombie, or X, dead)?
 * @pid: the process
 *
 * A zombie has closed its fds and left its namespaces (/proc/PID/ns/ is empty), yet
 * kill(2) still finds it.
 * Return: true when /proc/@pid/stat says Z or X; false otherwise, also when it cannot be
 * read.
 */
bool nn_proc_exited(pid_t pid);

/**
 * nn_proc_comm() - /proc/@pid/comm without its newline
 * @pid: the process
 * @buf: filled with the name, cut to @len - 1 bytes
 * @len: size of @buf in bytes (NN_PROC_COMM_MAX holds any)
 * @err: error object naming the file (may be NULL)
 * Return: 0, or the negative errno of open(2)/read(2) (-ENOENT: no such process).
 */
int nn_proc_comm(pid_t pid, char *buf, size_t len, struct nn_err *err);

/**
 * nn_proc_cmdline() - /proc/@pid/cmdline with its arguments joined by spaces
 * @pid: the process
 * @out: the command line, NUL-terminated, as the process left its argv (any bytes:
 *       escape before printing); the caller frees it
 * @err: error object naming the file (may be NULL)
 * Return: 0; -ENODATA when it is empty (a kernel thread, a zombie), with @out NULL; the
 * negative errno of open(2)/read(2).
 */
int nn_proc_cmdline(pid_t pid, char **out, struct nn_err *err);

/**
 * nn_proc_exe() - the path of the executable @pid runs (readlink of /proc/@pid/exe)
 * @pid: the process
 * @buf: filled with the path, NUL-terminated, cut to @len - 1 bytes
 * @len: size of @buf in bytes (PATH_MAX holds any)
 * @err: error object naming the link (may be NULL)
 *
 * The comm of a process that re-executed /proc/self/exe is "exe" (RootlessKit's child);
 * the link still names the program.  A deleted file reads as "<path> (deleted)".
 * Return: 0, or the negative errno of readlink(2) (-ENOENT: no such process or a kernel
 * thread; -EACCES: not ours to read).
 */
int nn_proc_exe(pid_t pid, char *buf, size_t len, struct nn_err *err);

/**
 * nn_proc_env_find() - the value of variable @name in an environment block
 * @buf:    "NAME=value\0NAME=value\0..." as /proc/PID/environ holds it; need not end in
 *          a NUL, never read past @len
 * @len:    its length in bytes
 * @name:   the variable's name, without '='
 * @out:    filled with the value, NUL-terminated
 * @outlen: size of @out in bytes
 *
 * The first entry named @name counts, as for getenv(3).
 * Return: 0; -ENOENT when @buf has no such entry; -ENAMETOOLONG when the value does not
 * fit in @outlen - 1 bytes (@out is then "").
 */
int nn_proc_env_find(const char *buf, size_t len, const char *name, char *out, size_t outlen);

/**
 * nn_proc_getenv() - the value of variable @name in the environment @pid started with
 * @pid:    the process
 * @name:   the variable's name
 * @out:    filled with the value, NUL-terminated
 * @outlen: size of @out in bytes
 * @err:    error object naming the file (may be NULL)
 *
 * /proc/@pid/environ is the environment execve(2) gave the process: what it set itself
 * afterwards (setenv(3)) is not there.  Reading it takes the rights of ptrace(2)'s
 * PTRACE_MODE_READ (proc(5)): the same user, or root.
 * Return: 0; -ENOENT when the variable is not set or there is no such process;
 * -ENAMETOOLONG as nn_proc_env_find(); the negative errno of open(2)/read(2) (-EACCES:
 * not ours to read).
 */
int nn_proc_getenv(pid_t pid, const char *name, char *out, size_t outlen, struct nn_err *err);

#endif
