/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_DISCOVER_INTERNAL_H
#define NN_DISCOVER_INTERNAL_H

/*
 * Inside nn_discover(): the scan state shared by discover.c (the table), discover_proc.c
 * (processes) and discover_mnt.c (bind mounts in every mount namespace, /run/netns names).
 * Not for use outside those files.
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
	struct dsc_reader *reader; /* reads mountinfo ahead (discover_mnt.c), or NULL */
	struct dsc_fdpath *fdpaths; /* fds whose link is a path, for dsc_scan_fd_paths() */
	size_t nfdpaths;
	uint64_t *mntpaths; /* dsc_path_hash() of every nsfs mount point of a wanted type */
	size_t nmntpaths;
};

/*
 * An fd whose /proc/PID/fd link reads as a path: it may have been opened through an nsfs
 * bind mount, which reads as the mount point (docs/facts-netns.md#discovery-sources).
 */
struct dsc_fdpath {
	pid_t pid;
	int fd;
	uint64_t hash; /* dsc_path_hash() of the link */
};

/** dsc_path_hash() - FNV-1a of the @len bytes of @p: paths compared by hash first */
static inline uint64_t dsc_path_hash(const char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ull;
	return h;
}

/** dsc_grow() - room for one more element in @arrp (sized by powers of two); -ENOMEM */
int dsc_grow(void *arrp, size_t n, size_t size);

/** dsc_lookup() - the table entry of (@type, @id), or NULL */
struct nn_ns *dsc_lookup(struct scan *s, enum nn_ns_type type, struct nn_nsid id);

/**
 * dsc_get_ns() - the table entry of (@type, @id), created and pinned when new
 * @dirfd, @path: opened (openat(2)) to pin a new entry; with @path NULL, @dirfd is an open
 *                nsfs fd that is taken (it pins a new entry, else it is closed).  A
 *                namespace that cannot be opened is kept with fd -1.
 * Return: the entry, NULL on ENOMEM.
 */
struct nn_ns *dsc_get_ns(struct scan *s, enum nn_ns_type type, struct nn_nsid id,
			 int dirfd, const char *path);

/**
 * dsc_pin() - open the namespace @id at @path in @dirfd (with @path NULL: take the open fd
 * @dirfd) and check that it is @id (the path may have been reused between stat and open)
 * Return: the fd, or -1 (nothing left open).
 */
int dsc_pin(int dirfd, const char *path, struct nn_nsid id);

/**
 * dsc_insert() - a new table entry (@type, @id) pinned by @fd (taken; -1 for none); the
 * caller checked that it is new (dsc_lookup()).  Return: the entry, NULL on ENOMEM.
 */
struct nn_ns *dsc_insert(struct scan *s, enum nn_ns_type type, struct nn_nsid id, int fd);

/** dsc_add_pid() - process @pid has @n as its own: in @n's pids, and as its holder */
int dsc_add_pid(struct nn_ns *n, pid_t pid);

/** dsc_add_gap() - note in @t what could not be read (@code: errno). Return 0 or -ENOMEM */
int dsc_add_gap(struct nn_ns_table *t, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** dsc_add_holder() - append @h to @n (takes @h.path). Return 0 or -ENOMEM */
int dsc_add_holder(struct nn_ns *n, struct nn_holder h);

/** dsc_wanted() - is type @t asked for */
bool dsc_wanted(const struct scan *s, enum nn_ns_type t);

/** dsc_ns_type_of_link() - "net:[4026532280]" -> NN_NS_NET; -1 for anything else */
int dsc_ns_type_of_link(const char *link);

/* An nsfs bind mount, from one line of /proc/PID/mountinfo (dsc_mountinfo_nsfs()). */
struct dsc_nsfs_mount {
	int type;          /* enum nn_ns_type of ROOT "net:[INO]" */
	uint64_t ino;      /* INO: the namespace's inode */
	char *mountpoint;  /* MOUNTPOINT, unescaped; points into the line */
};

/**
 * dsc_unescape_octal() - undo mountinfo's octal escapes in place (proc(5): space, tab,
 * newline and backslash are written \040, \011, \012, \134, fs/proc_namespace.c
 * show_mountinfo())
 * @s: NUL-terminated; a '\' not followed by three octal digits (the first 0-3) stays
 */
void dsc_unescape_octal(char *s);

/**
 * dsc_mountinfo_nsfs() - parse one line of /proc/PID/mountinfo, keeping nsfs mounts
 * @line: the line without its newline, NUL-terminated; cut up in place
 * @m:    filled for an nsfs mount
 *
 * "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS"
 * (proc(5)); an nsfs mount has FSTYPE nsfs and ROOT "TYPE:[INO]".
 * Return: 1 for an nsfs mount of a namespace type nn_ns_type_parse() knows, 0 for any
 * other line (another filesystem, too few fields, an unknown ROOT).
 */
int dsc_mountinfo_nsfs(char *line, struct dsc_nsfs_mount *m);

/**
 * dsc_reader_start() - start the thread that reads the mountinfo of each mount ns noted
 * from now on (dsc_note_mntns()) ahead of dsc_scan_mounts(); without it (no memory, no
 * thread), dsc_scan_mounts() reads them itself
 * @s: the scan; @s->reader is set
 */
void dsc_reader_start(struct scan *s);

/** dsc_reader_stop() - end the reader thread of @s and free what it read (idempotent) */
void dsc_reader_stop(struct scan *s);

/**
 * dsc_note_mntns() - remember mount ns @ino, first seen through @pid, and hand it to the
 * reader.  Return: 0 or -ENOMEM
 */
int dsc_note_mntns(struct scan *s, uint64_t ino, pid_t pid);

/**
 * dsc_scan_procs() - the namespaces of @npids processes @pids (sorted) and of their
 * threads, children-to-be and fds, into the table in pid order (discover_proc.c), with
 * the mount ns of each noted (dsc_note_mntns()).  Return: 0 or -ENOMEM.
 */
int dsc_scan_procs(struct scan *s, const pid_t *pids, size_t npids);

/**
 * dsc_scan_mounts() - nsfs mounts of every noted mount ns, each read through the first of
 * @pids that lets us (/proc/P/mountinfo, proc(5)); the rest become gaps.  The hash of
 * each mount point goes in @s->mntpaths.
 * Return: 0 or -ENOMEM.
 */
int dsc_scan_mounts(struct scan *s, const pid_t *pids, size_t npids);

/**
 * dsc_scan_fd_paths() - after dsc_scan_mounts(): each fd of @s->fdpaths whose link is the
 * path of an nsfs mount point seen in some mount ns (@s->mntpaths) is stat(2)ed, and held
 * by its process when it is on nsfs (discover_proc.c).  Its holder goes where the scan in
 * pid order would have put it.  Return: 0 or -ENOMEM.
 */
int dsc_scan_fd_paths(struct scan *s);

/**
 * dsc_scan_names() - names in a netns run dir (@bare: store bare names, as
 * `ip netns list`); dangling symlinks and plain files become stale names, a symlink
 * whose target may not be read (EACCES, EPERM) a gap.
 * Return: 0 or -ENOMEM.
 */
int dsc_scan_names(struct scan *s, const char *rundir, bool bare);

#endif
