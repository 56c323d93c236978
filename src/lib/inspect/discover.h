/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_DISCOVER_H
#define NN_DISCOVER_H

/*
 * Finding every namespace on the machine and what keeps each alive
 * (docs/facts-netns.md#discovery-sources, #pinning, #partial-rights): /proc/ * /ns,
 * /proc/ * /task/ * /ns, open nsfs fds in /proc/ * /fd, sockets in a netns other than their
 * process's (pidfd_getfd + SIOCGSKNS), and nsfs bind mounts in every mount namespace (one
 * /proc/P/mountinfo per mount ns, opened through /proc/P/root).  Each found namespace is
 * pinned by one O_CLOEXEC fd for the life of the table, so identities cannot be recycled.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "ns.h"

enum nn_holder_kind {
	NN_HOLD_PROCESS,   /* /proc/PID/ns/TYPE */
	NN_HOLD_THREAD,    /* /proc/PID/task/TID/ns/TYPE (TID != PID, differs from PID's) */
	NN_HOLD_FD,        /* /proc/PID/fd/FD is an nsfs file */
	NN_HOLD_BINDMOUNT, /* an nsfs mount at @path in mount ns @mntns */
	NN_HOLD_CHILDREN,  /* /proc/PID/{pid,time}_for_children differs from PID's own */
	NN_HOLD_SOCKET,    /* socket /proc/PID/fd/FD lives in this netns, not in PID's own */
};

struct nn_holder {
	enum nn_holder_kind kind;
	pid_t pid;         /* process (for BINDMOUNT: the process through which it was read) */
	pid_t tid;         /* THREAD only */
	int fd;            /* FD and SOCKET only */
	char *path;        /* BINDMOUNT: mount point inside @mntns */
	uint64_t mntns;    /* BINDMOUNT: inode of the mount ns it lives in */
};

struct nn_ns {
	enum nn_ns_type type;
	struct nn_nsid id;
	int fd;                 /* pinned nsfs fd, or -1 if it could not be opened */
	uint64_t userns;        /* owning user ns inode (NS_GET_USERNS), 0 if unknown */
	uid_t owner_uid;        /* NS_GET_OWNER_UID of the owning userns, (uid_t)-1 unknown */
	bool initial;           /* the host's (init process's) namespace of this type */
	pid_t *pids;            /* processes whose /proc/PID/ns/TYPE is this one, sorted */
	size_t npids;
	struct nn_holder *holders;
	size_t nholders;
	char **names;           /* names under /run/netns (and $XDG_RUNTIME_DIR/netns) */
	size_t nnames;
	int32_t netnsid;        /* net only: nsid in the caller's netns (RTM_GETNSID),
	                         * NN_NETNSID_UNASSIGNED or NN_NETNSID_UNKNOWN */
};

#define NN_NETNSID_UNASSIGNED (-1)       /* the kernel's "no nsid" (peernet2id) */
#define NN_NETNSID_UNKNOWN    INT32_MIN  /* not a netns, or the query failed */

/* What a scan could not read, and why (permission, process gone, kernel too old). */
struct nn_gap {
	char *what;             /* "/proc/1234/fd", "mount ns 4026532281" */
	int code;               /* errno */
};

/* An open /dev/net/tun: fd @fd of process @pid, as the fd scan saw it (readlink). */
struct nn_tun_fd {
	pid_t pid;
	int fd;
};

struct nn_ns_table {
	struct nn_ns *ns;
	size_t n;
	struct nn_gap *gaps;
	size_t ngaps;
	char **stale_names;     /* /run/netns entries that name no namespace (paths) */
	char **stale_why;       /* for each, why: "dangling symlink to /proc/9/ns/net" */
	size_t nstale;
	uint64_t self_mntns;    /* the caller's mount ns inode (to tell "visible here") */
	struct nn_tun_fd *tun_fds; /* /dev/net/tun fds seen in the fd scan (net wanted) */
	size_t ntun_fds;
	size_t fd_unreadable;   /* processes whose /proc/PID/fd was refused (EACCES, EPERM) */
};

/**
 * nn_discover() - scan the machine for namespaces of the types in @types
 * @t:     table to fill (zeroed by the caller); free with nn_ns_table_free()
 * @types: bit mask, 1u << enum nn_ns_type; 0 means all
 * @err:   error object; only failures that leave nothing to show are errors, the rest
 *         become gaps in @t
 * Names: /run/netns entries are stored bare ("blue", as `ip netns list`), entries of
 * $XDG_RUNTIME_DIR/netns as full paths.  Holders: one per process, thread, fd, children
 * link and bind mount (struct nn_holder); @pids repeats the processes, sorted.  With
 * the net type wanted, every fd whose link reads "/dev/net/tun" goes into @tun_fds (in
 * pid order, each process's fds in /proc/PID/fd order), so that the tap-holder scan
 * (topo.h) need not read /proc/PID/fd again; @fd_unreadable counts the processes whose
 * /proc/PID/fd was refused.
 * Return: 0 or negative errno.
 */
int nn_discover(struct nn_ns_table *t, unsigned types, struct nn_err *err);

#define NN_DISCOVER_NO_OWNERS 1u /* nn_discover_with(): leave userns, owner_uid unknown */
#define NN_DISCOVER_NO_NSIDS 2u /* nn_discover_with(): leave netnsid to nn_discover_netnsids() */

/**
 * nn_discover_with() - nn_discover() with @flags
 * @t, @types, @err: as for nn_discover()
 * @flags: NN_DISCOVER_NO_OWNERS: do not ask each namespace its owner (NS_GET_USERNS and
 *         NS_GET_OWNER_UID, four syscalls a namespace); userns stays 0 and owner_uid
 *         (uid_t)-1, as for an owner outside our user namespace;
 *         NN_DISCOVER_NO_NSIDS: do not ask the nsids; netnsid stays NN_NETNSID_UNKNOWN
 *         until the caller runs nn_discover_netnsids()
 * Return: 0 or negative errno.
 */
int nn_discover_with(struct nn_ns_table *t, unsigned types, unsigned flags, struct nn_err *err);

/**
 * nn_discover_netnsids() - the netnsid of each net entry of @t, in the caller's netns
 * @t: a table nn_discover_with() filled (with NN_DISCOVER_NO_NSIDS, or it was done there)
 *
 * One netlink socket in the calling thread's netns asks RTM_GETNSID with NETNSA_FD for
 * every net entry that holds an fd, 32 requests a sendmsg (nn_rtnl_netnsids(); the kernel
 * side is net/core/net_namespace.c rtnl_net_getid(), which only reads the map).  A failed
 * query leaves NN_NETNSID_UNKNOWN; a socket that cannot be opened is a gap in @t.  It
 * writes only the entries' netnsid and @t's gaps, so it may run on a thread of its own
 * while others use the entries' fds (nn_topo_read() does).
 */
void nn_discover_netnsids(struct nn_ns_table *t);

/**
 * nn_gap_addv() - append a gap to an array of gaps
 * @gaps: the array (grown by powers of two; free each .what, then the array)
 * @n:    its length, incremented
 * @code: errno saying why the thing could not be read
 * @fmt:  printf format of what could not be read ("/proc/1234/fd")
 * @ap:   its arguments
 * Return: 0, or -ENOMEM (nothing added).
 */
int nn_gap_addv(struct nn_gap **gaps, size_t *n, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

/**
 * nn_fd_table_reserve() - grow our fd table now, while the process is single-threaded,
 * to hold @more fds above fd @top
 * @top:  the highest fd the caller knows open
 * @more: how many more it is about to open, in threads
 *
 * The kernel grows the table on demand, and when the table is shared by several threads
 * it waits for an RCU grace period before freeing the old one (fs/file.c
 * expand_fdtable(): synchronize_rcu()), 10 to 30 ms here; threads opening fds would pay
 * it as they pass 256 or 512.  The table never shrinks on close(2).  On failure
 * (RLIMIT_NOFILE) it grows on demand.
 */
void nn_fd_table_reserve(int top, size_t more);

/** nn_ns_table_free() - close the pinned fds and free everything */
void nn_ns_table_free(struct nn_ns_table *t);

#endif
