/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_USERNS_H
#define NN_USERNS_H

/*
 * ID maps of the nest's user namespace, RootlessKit-style (docs/facts-rootlesskit.md#id-maps):
 * "0 <uid> 1", then every subordinate range of the user packed from ID 1,
 * written by newuidmap(1)/newgidmap(1); a single "0 <uid> 1" mapping when the user has no
 * range or the helpers cannot work (user_namespaces(7) "Defining user and group ID
 * mappings"), with a notice saying why.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* Where the ranges come from: RootlessKit --subid-source (its docs/subid.md). */
enum nn_subid_source {
	NN_SUBID_AUTO = 0, /* getsubids(1) when NSS has a subid source, else the files */
	NN_SUBID_DYNAMIC,  /* getsubids(1) only: "getsubids USER", "getsubids -g USER" */
	NN_SUBID_STATIC,   /* /etc/subuid and /etc/subgid only (subuid(5)) */
};

/* Ranges kept per map; the kernel takes 340 lines (user_namespaces(7)). */
#define NN_SUBID_MAX 64

struct nn_subid {
	unsigned long start; /* first subordinate ID (outside the namespace) */
	unsigned long count; /* IDs in the range, >= 1 */
};

/* The ranges of one user for one map, in the order they were found. */
struct nn_subids {
	size_t n;
	struct nn_subid r[NN_SUBID_MAX];
};

/**
 * nn_subid_source_parse() - parse a --subid-source value
 * @s:   "auto", "dynamic" or "static"
 * @out: the source
 * Return: 0, -EINVAL for anything else.
 */
int nn_subid_source_parse(const char *s, enum nn_subid_source *out);

/**
 * nn_subid_add() - append a range unless the same range is already there
 * @s:     list
 * @start: first ID
 * @count: IDs, >= 1
 *
 * An identical range is skipped: shadow's getsubids(1) lists a uid-keyed line both for the
 * name and for the uid, and newuidmap refuses a map holding a range twice (RootlessKit
 * 1.1 fails so; spec §9).
 * Return: 1 added, 0 a duplicate, -E2BIG when @s already holds NN_SUBID_MAX ranges.
 */
int nn_subid_add(struct nn_subids *s, unsigned long start, unsigned long count);

/**
 * nn_subid_file() - append a user's ranges from a subid file, in file order
 * @path: "/etc/subuid" or "/etc/subgid" (subuid(5): lines "owner:start:count")
 * @name: user name, may be NULL
 * @id:   the user's numeric uid; an owner field may be the name or the number
 * @out:  ranges are appended (nn_subid_add(): duplicates dropped)
 *
 * Lines whose owner is neither @name nor @id, and malformed lines (a missing field, a
 * non-number, a count of 0, past 2^32), are skipped.
 * Return: 0, -ENOENT if @path cannot be read, -E2BIG if @out filled up.
 */
int nn_subid_file(const char *path, const char *name, unsigned id, struct nn_subids *out);

/**
 * nn_subid_parse_getsubids() - append the ranges in getsubids(1) output
 * @text: NUL-terminated output, lines "INDEX: OWNER START COUNT" (shadow src/getsubids.c)
 * @out:  ranges are appended (duplicates dropped)
 * Malformed lines are skipped.
 * Return: 0, -E2BIG if @out filled up.
 */
int nn_subid_parse_getsubids(const char *text, struct nn_subids *out);

/**
 * nn_subid_check() - drop the ranges a map cannot hold
 * @s:      list, compacted in place
 * @own:    the user's own uid (or gid), which the map's line 0 already holds
 * @what:   "subuid" or "subgid", for the notice
 * @notice: a warning per dropped range is appended ("; "-separated), buffer of @len bytes
 * @len:    size of @notice
 *
 * Drops a range holding @own, a range overlapping an earlier one (the kernel refuses both:
 * kernel/user_namespace.c mappings_overlap), and a range that packed after the earlier ones
 * would pass inside ID 4294967294.
 * Return: the number of ranges dropped.
 */
size_t nn_subid_check(struct nn_subids *s, unsigned long own, const char *what, char *notice,
		      size_t len);

/**
 * nn_subid_lookup() - a user's ranges from the chosen source
 * @src:   source; auto tries getsubids when $GETSUBIDS is set or nsswitch.conf(5) has a
 *         "subid:" line (otherwise getsubids would read the same files), and falls back to
 *         the files when getsubids fails or finds nothing
 * @group: false: uids (/etc/subuid, getsubids); true: gids (/etc/subgid, getsubids -g)
 * @name:  user name, may be NULL
 * @id:    the user's uid (subid files key by owner uid too, for gids as well)
 * @out:   filled (emptied first), duplicates dropped
 * @from:  set to where the ranges were read: "/etc/subuid", "/etc/subgid", "getsubids" or
 *         "getsubids -g" (static strings)
 *
 * getsubids is $GETSUBIDS, else "getsubids" in PATH, run as "getsubids [-g] NAME" and
 * "getsubids [-g] UID", and the ranges of both are taken (RootlessKit's dynamic source).
 * Return: 0 (@out may be empty), -E2BIG if there were more than NN_SUBID_MAX ranges,
 * -ENOENT when the dynamic source could not run getsubids at all.
 */
int nn_subid_lookup(enum nn_subid_source src, bool group, const char *name, unsigned id,
		    struct nn_subids *out, const char **from);

/**
 * nn_idmap_helper_check() - can this process run a setuid ID-map helper to any effect
 * @path: "/usr/bin/newuidmap" or "/usr/bin/newgidmap"
 * @why:  on failure, the reason (buffer of @len bytes), e.g. "no_new_privs is set ..."
 * @len:  size of @why
 *
 * Checks, in order: @path exists and is executable; this process has no_new_privs unset
 * (prctl(2) PR_GET_NO_NEW_PRIVS; "NoNewPrivs" in /proc/self/status), since execve(2) grants
 * neither setuid nor file capabilities under it; @path is setuid root or has a file
 * capability (the security.capability xattr, capabilities(7)); its file system is not
 * mounted nosuid.
 * Return: 0 usable; -ENOENT missing or not executable ("is missing", "is not
 * executable"), -EPERM no_new_privs, -EACCES neither setuid root nor capability, -EROFS
 * nosuid mount.
 */
int nn_idmap_helper_check(const char *path, char *why, size_t len);

/**
 * nn_userns_map() - write the uid and gid maps of @pid's new user namespace
 * @pid:    process that just unshare(CLONE_NEWUSER)ed; waits for nothing
 * @uid:    the caller's (host) uid, mapped to 0
 * @gid:    the caller's primary gid, mapped to 0
 * @src:    where the subordinate ranges come from (nn_subid_lookup())
 * @notice: if not NULL, filled with what the caller should tell the user (NN_ERR_MSG bytes,
 *          caller's buffer): ranges dropped (nn_subid_check()) and, when the single mapping
 *          was used, why; left empty otherwise
 * @err:    error object
 *
 * With subuid and subgid ranges and /usr/bin/newuidmap and newgidmap usable
 * (nn_idmap_helper_check()): runs "newuidmap PID 0 UID 1 1 S1 C1 1+C1 S2 C2 ..." and the
 * same for gids.  Otherwise writes "deny" to /proc/PID/setgroups, then "0 UID 1" to
 * uid_map and "0 GID 1" to gid_map.
 * Return: 0, or the negative errno (a helper that failed: -EPERM, its stderr quoted) with
 * @err naming @pid.
 */
int nn_userns_map(pid_t pid, uid_t uid, gid_t gid, enum nn_subid_source src, char *notice,
		  struct nn_err *err);

#endif
