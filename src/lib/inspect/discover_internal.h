/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_DISCOVER_INTERNAL_H
#define NN_DISCOVER_INTERNAL_H

/*
 * Inside nn_discover(): the scan state shared by discover.c (the table, processes) and
 * discover_mnt.c (bind mounts in every mount namespace, /run/netns names).  Not for use
 * outside those two files.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "discover.h"

/* A mount namespace seen in the scan, and whether its mountinfo was read. */
struct mntns_seen {
	uint64_t ino;
	pid_t pid;  /* first process found in it */
	int code;   /* errno of the last failed attempt, 0 once read */
	bool done;
};

struct scan {
	struct nn_ns_table *t;
	size_t cap;
	size_t *hash;          /* open addressing: index + 1 into t->ns, 0 = empty */
	size_t hcap;
	unsigned types;
	dev_t nsfs_dev;
	struct mntns_seen *mnt;
	size_t nmnt, capmnt;
	pid_t self;            /* our own fds pin what we found: not holders */
};

/** dsc_grow() - room for one more element in @arrp (sized by powers of two); -ENOMEM */
int dsc_grow(void *arrp, size_t n, size_t size);

/** dsc_lookup() - the table entry of (@type, @id), or NULL */
struct nn_ns *dsc_lookup(struct scan *s, enum nn_ns_type type, struct nn_nsid id);

/**
 * dsc_get_ns() - the table entry of (@type, @id), created and pinned when new
 * @dirfd, @path: opened (openat(2)) to pin a new entry; with @path NULL, @dirfd is an open
 *                nsfs fd that is duplicated.  A namespace that cannot be opened is kept
 *                with fd -1.
 * Return: the entry, NULL on ENOMEM.
 */
struct nn_ns *dsc_get_ns(struct scan *s, enum nn_ns_type type, struct nn_nsid id,
			 int dirfd, const char *path);

/** dsc_add_gap() - note what could not be read (@code: errno). Return 0 or -ENOMEM */
int dsc_add_gap(struct scan *s, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** dsc_add_holder() - append @h to @n (takes @h.path). Return 0 or -ENOMEM */
int dsc_add_holder(struct nn_ns *n, struct nn_holder h);

/** dsc_wanted() - is type @t asked for */
bool dsc_wanted(const struct scan *s, enum nn_ns_type t);

/** dsc_ns_type_of_link() - "net:[4026532280]" -> NN_NS_NET; -1 for anything else */
int dsc_ns_type_of_link(const char *link);

/** dsc_note_mntns() - remember mount ns @ino, first seen through @pid. 0 or -ENOMEM */
int dsc_note_mntns(struct scan *s, uint64_t ino, pid_t pid);

/**
 * dsc_scan_mounts() - nsfs mounts of every noted mount ns, each read through the first of
 * @pids that lets us (/proc/P/mountinfo, proc(5)); the rest become gaps.
 * Return: 0 or -ENOMEM.
 */
int dsc_scan_mounts(struct scan *s, const pid_t *pids, size_t npids);

/**
 * dsc_scan_names() - names in a netns run dir (@bare: store bare names, as
 * `ip netns list`); dangling symlinks and plain files become stale names.
 * Return: 0 or -ENOMEM.
 */
int dsc_scan_names(struct scan *s, const char *rundir, bool bare);

#endif
