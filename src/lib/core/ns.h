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

/**
 * nn_ns_type_name() - "mnt", "net", ... as in /proc/PID/ns and lsns -t
 * @t: namespace type
 * Return: the name (static), or "?" for a value out of range.
 */
const char *nn_ns_type_name(enum nn_ns_type t);

/** nn_ns_type_parse() - inverse of nn_ns_type_name(). Return 0 or -EINVAL */
int nn_ns_type_parse(const char *s, enum nn_ns_type *t);

/** nn_nsid_of_fd() - identity of an nsfs fd. Return 0, -ENOTTY if @fd is not nsfs */
int nn_nsid_of_fd(int fd, struct nn_nsid *id, struct nn_err *err);

/** nn_nsid_equal() - same namespace (same nsfs device and inode). Return: true or false */
static inline bool nn_nsid_equal(struct nn_nsid a, struct nn_nsid b)
{
	return a.dev == b.dev && a.ino == b.ino;
}

/**
 * nn_ns_open_pid() - open /proc/@pid/ns/<type> O_RDONLY|O_CLOEXEC (proc(5))
 * @pid: the process
 * @t:   namespace type
 * @err: error object naming the path, and saying when the process is a zombie
 * Return: fd >= 0 (caller closes), or negative errno: -ESRCH (no such process, or a
 * zombie: open(2)'s ENOENT is reported as ESRCH), -EINVAL (bad @t), -EACCES/-EPERM.
 */
int nn_ns_open_pid(pid_t pid, enum nn_ns_type t, struct nn_err *err);

/**
 * nn_ns_open_path() - open @path and check it is an nsfs file of type @t (NS_GET_NSTYPE,
 * ioctl_ns(2)); an empty plain file (an nsfs mount point seen from another mount ns) is
 * refused with a message saying so.
 * @path: nsfs file (/proc/PID/ns/net, a bind mount, /run/netns/NAME)
 * @t:    the type it must have
 * @err:  error object naming @path and the reason
 * Return: fd (caller closes), or -ENOTTY (not nsfs), -EINVAL (other type), other
 * negative errno.
 */
int nn_ns_open_path(const char *path, enum nn_ns_type t, struct nn_err *err);

/**
 * nn_ns_type_of_fd() - the type of an nsfs fd
 * @fd:   open nsfs file
 * @t:    filled with the type
 * @err:  error object (names the fd)
 *
 * Uses NS_GET_NSTYPE (ioctl_ns(2), Linux 4.11), which answers with a CLONE_NEW* flag.
 * Return: 0, -ENOTTY if @fd is not an nsfs file, -ENOSYS if the kernel is older than 4.11.
 */
int nn_ns_type_of_fd(int fd, enum nn_ns_type *t, struct nn_err *err);

/**
 * nn_ns_owner() - the user namespace that owns a namespace, and that userns's owner uid
 * @fd:    open nsfs file of any type (for a user namespace: its parent is the owner)
 * @ino:   filled with the owning userns inode, 0 when it is outside the caller's scope
 * @uid:   filled with NS_GET_OWNER_UID of the owning userns, (uid_t)-1 when unknown
 * @err:   error object
 *
 * NS_GET_USERNS then NS_GET_OWNER_UID (ioctl_ns(2)); EPERM means the owner lies outside
 * the caller's user namespace (not an error: @ino stays 0).
 * Return: 0, or negative errno (-ENOTTY not nsfs).
 */
int nn_ns_owner(int fd, uint64_t *ino, uid_t *uid, struct nn_err *err);

/**
 * nn_userns_creator() - the uid that made user namespace @fd (its owner uid, as the kernel
 * says of a user namespace itself: NS_GET_OWNER_UID, ioctl_ns(2))
 * @fd:  open nsfs file of a user namespace
 * @uid: filled with the uid, as seen from the caller's user namespace
 * Return: 0, or negative errno (-EINVAL: not a user namespace, -ENOTTY: not nsfs).
 */
int nn_userns_creator(int fd, uid_t *uid);

/**
 * nn_ns_is_initial() - is @id the host's initial namespace of type @t
 * @t:  namespace type
 * @id: identity to test
 *
 * Compares with /proc/1/ns/<type> when the caller may read it; otherwise with the fixed
 * inode numbers the kernel gives initial namespaces (include/linux/proc_ns.h: ipc, uts,
 * user, pid, cgroup, time; net and mnt since Linux 6.18, include/uapi/linux/nsfs.h
 * enum init_ns_ino).  Dynamic inodes start at 0xF0000000 (fs/proc/generic.c), so the
 * fixed numbers never name another namespace.
 * Return: true if it is the initial one, false otherwise or when it cannot be known.
 */
bool nn_ns_is_initial(enum nn_ns_type t, struct nn_nsid id);

/**
 * nn_ns_open_any() - open @path as an nsfs file of any type, checked like nn_ns_open_path()
 * @path: nsfs file (/proc/PID/ns/net, a bind mount, /run/netns/NAME)
 * @t:    filled with its type
 * @err:  error object naming @path and the reason
 * Return: fd, or negative errno as nn_ns_open_path().
 */
int nn_ns_open_any(const char *path, enum nn_ns_type *t, struct nn_err *err);

#endif
