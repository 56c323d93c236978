/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_USERNS_H
#define NN_USERNS_H

/*
 * ID maps of the nest's user namespace, RootlessKit-style (docs/facts-rootlesskit.md#id-maps):
 * "0 <uid> 1" then the user's /etc/subuid range from ID 1, written
 * by newuidmap(1)/newgidmap(1); a single "0 <uid> 1" mapping when the user has no range or
 * the helpers are missing (user_namespaces(7) "Defining user and group ID mappings").
 */

#include <sys/types.h>

#include "err.h"

/**
 * nn_subid_range() - the first subordinate ID range of a user in a subid file
 * @path:  "/etc/subuid" or "/etc/subgid" (subuid(5): lines "name-or-id:start:count")
 * @name:  user name, may be NULL
 * @id:    the user's numeric uid (lines may name the user by number)
 * @start: first subordinate ID
 * @count: number of IDs in the range
 *
 * Return: 0, -ENOENT if the file has no range for the user (or does not exist).
 */
int nn_subid_range(const char *path, const char *name, unsigned id, unsigned long *start,
		   unsigned long *count);

/**
 * nn_userns_map() - write the uid and gid maps of @pid's new user namespace
 * @pid:    process that just unshare(CLONE_NEWUSER)ed; waits for nothing
 * @uid:    the caller's (host) uid, mapped to 0
 * @gid:    the caller's primary gid, mapped to 0
 * @notice: if not NULL and the single mapping was used, a message
 *          (NN_ERR_MSG bytes, caller's buffer) saying why; left empty otherwise
 * @err:    error object
 *
 * With a subuid and subgid range and /usr/bin/newuidmap and newgidmap: runs
 * "newuidmap PID 0 UID 1 1 START COUNT" and the same for gids.  Otherwise writes "deny"
 * to /proc/PID/setgroups, then "0 UID 1" to uid_map and "0 GID 1" to gid_map.
 * Return: 0, or the negative errno (a helper that failed: -EPERM) with @err naming @pid.
 */
int nn_userns_map(pid_t pid, uid_t uid, gid_t gid, char *notice, struct nn_err *err);

#endif
