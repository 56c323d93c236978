/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_NS_H
#define NN_NS_H

/*
 * Namespace identity and opening.  A namespace is identified by (st_dev, st_ino) of its
 * nsfs file (namespaces(7)); we print the inode, as lsns does.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

enum nn_ns_type {
	NN_NS_MNT, NN_NS_NET, NN_NS_PID, NN_NS_UTS, NN_NS_IPC, NN_NS_USER, NN_NS_CGROUP,
	NN_NS_TIME, NN_NS_NTYPES
};

struct nn_nsid {
	uint64_t dev;
	uint64_t ino;
};

/** nn_ns_type_name() - "mnt", "net", ... as in /proc/PID/ns and lsns -t */
const char *nn_ns_type_name(enum nn_ns_type t);

/** nn_ns_type_parse() - inverse of nn_ns_type_name(). Return 0 or -EINVAL */
int nn_ns_type_parse(const char *s, enum nn_ns_type *t);

/** nn_ns_clone_flag() - the CLONE_NEW* flag of @t */
int nn_ns_clone_flag(enum nn_ns_type t);

/** nn_nsid_of_fd() - identity of an nsfs fd. Return 0, -ENOTTY if @fd is not nsfs */
int nn_nsid_of_fd(int fd, struct nn_nsid *id, struct nn_err *err);

/** nn_nsid_equal() - same namespace */
static inline bool nn_nsid_equal(struct nn_nsid a, struct nn_nsid b)
{
	return a.dev == b.dev && a.ino == b.ino;
}

/**
 * nn_ns_open_pid() - open /proc/@pid/ns/<type> O_RDONLY|O_CLOEXEC
 * Return: fd >= 0, or negative errno (-ENOENT/-ESRCH: no such process; -EACCES/-EPERM).
 */
int nn_ns_open_pid(pid_t pid, enum nn_ns_type t, struct nn_err *err);

/**
 * nn_ns_open_path() - open @path and check it is an nsfs file of type @t (NS_GET_NSTYPE,
 * ioctl_ns(2)); an empty plain file (an nsfs mount point seen from another mount ns) is
 * refused with a message saying so.
 * Return: fd, or -ENOTTY (not nsfs), -EINVAL (other type), other negative errno.
 */
int nn_ns_open_path(const char *path, enum nn_ns_type t, struct nn_err *err);

#endif
