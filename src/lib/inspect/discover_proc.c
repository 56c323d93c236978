// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * discover_proc.c - the part of nn_discover() that scans every process: /proc/PID/ns/TYPE,
 * /proc/PID/{pid,time}_for_children, /proc/PID/task/TID/ns/TYPE, nsfs fds and sockets in
 * /proc/PID/fd (docs/facts-netns.md#discovery-sources)
 *
 * It is a few syscalls per process and per fd, the kernel walking /proc paths, so two
 * threads share it: the calling thread takes processes from the lowest pid up and puts
 * what it finds in the table at once; a second thread takes them from the highest down
 * and writes what it finds in a log of its own (struct ev), which the calling thread
 * puts in the table afterwards, pid by pid, lowest first.  So the table, its holders and
 * its gaps come out in pid order, as from one thread.  The second thread pins each
 * namespace it sees first itself (so that the identity it saw cannot be recycled); the
 * pin of one the table already has is closed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <linux/sockios.h>

#include "discover_internal.h"
#include "pidfd.h"
#include "util.h"

#define PROCS_THREAD_MIN 64 /* fewer processes are not worth a second thread */

/* One thing the scan of a process found (the table's change it stands for). */
enum ev_kind {
	EV_NS, /* namespace @type @id held by @h; @fd its pin or -1 */
	EV_GAP, /* @what (taken) could not be read: @code */
	EV_TUN, /* fd @fd of @pid is a /dev/net/tun (nn_ns_table.tun_fds) */
	EV_FD_UNREADABLE, /* a /proc/PID/fd refused (nn_ns_table.fd_unreadable) */
	EV_MNTNS, /* the process @pid is in mount ns @id.ino (dsc_note_mntns()) */
};

struct ev {
	enum ev_kind kind;
	enum nn_ns_type type;
	struct nn_nsid id;
	int fd;
	struct nn_holder h;
	int code;
	char *what;
	pid_t pid;
};

/*
 * Where a scanning thread puts what it finds: straight into the table (the calling
 * thread), or (@logged) into its log, with the index of the first event of each process
 * it scanned (@first, in the order scanned) and the namespaces it pinned (@seen, with the
 * index of the event that holds the pin).
 */
struct sink {
	struct scan *s;
	bool logged;
	struct ev *log;
	size_t n;
	size_t *first;
	size_t nfirst;
	struct {
		enum nn_ns_type type;
		struct nn_nsid id;
		size_t ev;
	} * seen;
	size_t nseen;
	struct dsc_fdpath *fdpaths; /* @logged: its own; else they go in the scan's */
	size_t nfdpaths;
};

/* hold() - @n is held by @h (a process: in @n's pids too) */
static int hold(struct nn_ns *n, struct nn_holder h)
{
	return h.kind == NN_HOLD_PROCESS ? dsc_add_pid(n, h.pid) : dsc_add_holder(n, h);
}

/*
 * apply() - put @e into the table of @s; takes its pin and string (set to -1 and NULL in
 * @e, so drop() leaves them).  Return 0 or -ENOMEM.
 */
static int apply(struct scan *s, struct ev *e)
{
	struct nn_ns_table *t = s->t;
	struct nn_ns *n;
	int fd = e->kind == EV_NS ? e->fd : -1;
	char *what = e->what;

	if (e->kind == EV_NS)
		e->fd = -1;
	e->what = NULL;
	switch (e->kind) {
	case EV_NS:
		n = dsc_lookup(s, e->type, e->id);
		if (n && fd >= 0)
			close(fd);
		else if (!n)
			n = dsc_insert(s, e->type, e->id, fd);
		return n ? hold(n, e->h) : -ENOMEM;
	case EV_GAP:
		if (dsc_grow(&t->gaps, t->ngaps, sizeof(*t->gaps)) < 0) {
			free(what);
			return -ENOMEM;
		}
		t->gaps[t->ngaps++] = (struct nn_gap){ .what = what, .code = e->code };
		return 0;
	case EV_TUN:
		if (dsc_grow(&t->tun_fds, t->ntun_fds, sizeof(*t->tun_fds)) < 0)
			return -ENOMEM;
		t->tun_fds[t->ntun_fds++] = (struct nn_tun_fd){ .pid = e->pid, .fd = e->fd };
		return 0;
	case EV_FD_UNREADABLE:
		t->fd_unreadable++;
		return 0;
	case EV_MNTNS:
		return dsc_note_mntns(s, e->id.ino, e->pid);
	}
	return 0;
}

/* event() - @e found: into the table, or into the log.  Return 0 or -ENOMEM */
static int event(struct sink *k, struct ev e)
{
	if (!k->logged)
		return apply(k->s, &e);
	if (dsc_grow(&k->log, k->n, sizeof(*k->log)) < 0) {
		if (e.kind == EV_NS && e.fd >= 0)
			close(e.fd);
		free(e.what);
		return -ENOMEM;
	}
	k->log[k->n++] = e;
	return 0;
}

/* gap() - dsc_add_gap() through @k */
static int gap(struct sink *k, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int gap(struct sink *k, int code, const char *fmt, ...)
{
	va_list ap;
	char *what;

	va_start(ap, fmt);
	if (vasprintf(&what, fmt, ap) < 0)
		what = NULL;
	va_end(ap);
	if (!what)
		return -ENOMEM;
	return event(k, (struct ev){ .kind = EV_GAP, .code = code, .what = what });
}

/*
 * found() - namespace @type @id, seen at @path in @dirfd (with @path NULL: the open nsfs
 * fd @dirfd, taken), is held by @h.  Pinned when new to the table, or (second thread) to
 * this thread.  The log is put in the table from its last process back, so the pin goes
 * with the namespace's event of the process scanned last.  Return 0 or -ENOMEM.
 */
static int found(struct sink *k, enum nn_ns_type type, struct nn_nsid id, int dirfd,
		 const char *path, struct nn_holder h)
{
	struct nn_ns *n;
	int fd = -1;

	if (!k->logged) {
		n = dsc_get_ns(k->s, type, id, dirfd, path);
		return n ? hold(n, h) : -ENOMEM;
	}
	for (size_t i = 0; i < k->nseen; i++) {
		size_t *pin = &k->seen[i].ev;

		if (k->seen[i].type != type || !nn_nsid_equal(k->seen[i].id, id))
			continue;
		if (!path)
			close(dirfd);
		if (*pin < k->first[k->nfirst - 1]) { /* pinned by a process scanned before */
			fd = k->log[*pin].fd;
			k->log[*pin].fd = -1;
			*pin = k->n;
		}
		return event(
			k, (struct ev){ .kind = EV_NS, .type = type, .id = id, .fd = fd, .h = h });
	}
	if (dsc_grow(&k->seen, k->nseen, sizeof(*k->seen)) < 0) {
		if (!path)
			close(dirfd);
		return -ENOMEM;
	}
	k->seen[k->nseen].type = type;
	k->seen[k->nseen].id = id;
	k->seen[k->nseen++].ev = k->n;
	fd = dsc_pin(dirfd, path, id);
	return event(k, (struct ev){ .kind = EV_NS, .type = type, .id = id, .fd = fd, .h = h });
}

/* dsc_gone() - errno @e of a failed /proc read says the process went away (ENOENT, ESRCH) */
static bool dsc_gone(int e)
{
	return e == ENOENT || e == ESRCH;
}

/*
 * stat_ns_links() - stat every namespace link in @dir (/proc/PID/ns or its task's) into
 * @ids (ino 0 when unreadable or not in @mask).  Return: 0, or the errno of the first
 * failure that was not "no such file" for one type (old kernels lack time, cgroup).
 */
static int stat_ns_links(const char *dir, unsigned mask, struct nn_nsid ids[NN_NS_NTYPES])
{
	int first = 0;

	for (int t = 0; t < NN_NS_NTYPES; t++) {
		char path[96];
		struct stat st;

		ids[t] = (struct nn_nsid){ 0, 0 };
		if (!(mask & (1u << t)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, nn_ns_type_name(t));
		if (stat(path, &st) == 0)
			ids[t] = (struct nn_nsid){ st.st_dev, st.st_ino };
		else if (!first && errno != ENOENT)
			first = errno;
	}
	return first;
}

static int scan_children(struct sink *k, pid_t pid, const struct nn_nsid own[NN_NS_NTYPES])
{
	static const struct {
		enum nn_ns_type t;
		const char *link;
	} kids[] = {
		{ NN_NS_PID, "pid_for_children" },
		{ NN_NS_TIME, "time_for_children" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(kids); i++) {
		char path[64];
		struct stat st;

		if (!dsc_wanted(k->s, kids[i].t))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, kids[i].link);
		/* empty (ENOENT) until the first child is created: nothing to show */
		if (stat(path, &st) < 0)
			continue;
		if (st.st_ino == own[kids[i].t].ino && st.st_dev == own[kids[i].t].dev)
			continue;
		if (found(k, kids[i].t, (struct nn_nsid){ st.st_dev, st.st_ino }, AT_FDCWD, path,
			  (struct nn_holder){ .kind = NN_HOLD_CHILDREN, .pid = pid, .fd = -1 }) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int scan_tasks(struct sink *k, pid_t pid, const struct nn_nsid own[NN_NS_NTYPES])
{
	const struct scan *s = k->s;
	char dir[64];
	struct stat st;
	DIR *d;
	struct dirent *e;
	int ret = 0;

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	/*
	 * Its link count is 2 + the number of threads (fs/proc/base.c proc_task_getattr()):
	 * one stat tells a single-threaded process, which has no other thread to read, from
	 * the rest, without opening and reading the directory
	 */
	if (stat(dir, &st) == 0 && st.st_nlink <= 3)
		return 0;
	d = opendir(dir);
	if (!d)
		return dsc_gone(errno) ? 0 : gap(k, errno, "%s", dir);
	while (!ret && (e = readdir(d))) {
		unsigned long tid;
		struct nn_nsid ids[NN_NS_NTYPES];
		char tdir[96];

		if (nn_parse_uint(e->d_name, 1, INT32_MAX, &tid) < 0 || (pid_t)tid == pid)
			continue;
		snprintf(tdir, sizeof(tdir), "%s/%lu/ns", dir, tid);
		stat_ns_links(tdir, s->types ? s->types : ~0u, ids);
		for (int t = 0; t < NN_NS_NTYPES && !ret; t++) {
			char path[128];

			if (!dsc_wanted(s, t) || !ids[t].ino || nn_nsid_equal(ids[t], own[t]))
				continue;
			snprintf(path, sizeof(path), "%s/%s", tdir, nn_ns_type_name(t));
			ret = found(k, t, ids[t], AT_FDCWD, path,
				    (struct nn_holder){ .kind = NN_HOLD_THREAD,
							.pid = pid,
							.tid = (pid_t)tid,
							.fd = -1 });
		}
	}
	closedir(d);
	return ret;
}

/*
 * socket_netns() - the netns of socket @fd of @pid: pidfd_getfd(2) (Linux 5.6, needs
 * ptrace attach rights) then SIOCGSKNS (socket(7), Linux 4.9), as lsns 2.41 does.
 * @pidfd is opened on first use.  Return: an nsfs fd, or negative errno.
 */
static int socket_netns(int *pidfd, pid_t pid, int fd)
{
	_cleanup_close_ int sfd = -1;
	int ns;

	if (*pidfd < 0) {
		*pidfd = nn_pidfd_open(pid);
		if (*pidfd < 0)
			return -errno;
	}
	sfd = nn_pidfd_getfd(*pidfd, fd);
	if (sfd < 0)
		return -errno;
	ns = ioctl(sfd, SIOCGSKNS);
	return ns < 0 ? -errno : ns;
}

/*
 * scan_socket() - a socket of @pid in a netns other than @own (the process's): that
 * netns is kept alive by the socket.  Failures to look are noted once per process.
 */
static int scan_socket(struct sink *k, pid_t pid, int fd, struct nn_nsid own, int *pidfd,
		       bool *noted)
{
	_cleanup_close_ int ns = socket_netns(pidfd, pid, fd);
	struct stat st;

	if (ns < 0) {
		if (*noted || -ns == ESRCH || -ns == EBADF)
			return 0; /* gone, or the fd was closed meanwhile */
		*noted = true;
		return gap(k, -ns == EINVAL ? ENOSYS : -ns, "sockets of pid %d", (int)pid);
	}
	if (fstat(ns, &st) < 0 || (st.st_dev == own.dev && st.st_ino == own.ino))
		return 0;
	return found(k, NN_NS_NET, (struct nn_nsid){ st.st_dev, st.st_ino }, steal_fd(&ns), NULL,
		     (struct nn_holder){ .kind = NN_HOLD_SOCKET, .pid = pid, .fd = fd });
}

/* fdpath() - fd @fd of @pid has the path @link (@len bytes): kept for dsc_scan_fd_paths() */
static int fdpath(struct sink *k, pid_t pid, int fd, const char *link, size_t len)
{
	struct dsc_fdpath **arr = k->logged ? &k->fdpaths : &k->s->fdpaths;
	size_t *n = k->logged ? &k->nfdpaths : &k->s->nfdpaths;

	if (dsc_grow(arr, *n, sizeof(**arr)) < 0)
		return -ENOMEM;
	(*arr)[(*n)++] =
		(struct dsc_fdpath){ .pid = pid, .fd = fd, .hash = dsc_path_hash(link, len) };
	return 0;
}

/*
 * open_nsfs() - open @name in @dir, a file on nsfs that stat(2) said is @id: its fd with
 * its type in @type, or -1 when it cannot be opened, is no longer @id, or is of a type
 * not asked for (NS_GET_NSTYPE: the link of such an fd does not say)
 */
static int open_nsfs(const struct scan *s, int dir, const char *name, struct nn_nsid id,
		     enum nn_ns_type *type)
{
	int fd = dsc_pin(dir, name, id);

	if (fd >= 0 && (nn_ns_type_of_fd(fd, type, NULL) < 0 || !dsc_wanted(s, *type))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * scan_root_fd() - fd @fd of @pid (@name in the open /proc/PID/fd @dir) reads as "/":
 * the root directory, or an nsfs bind mount it was opened through, detached since
 */
static int scan_root_fd(struct sink *k, int dir, const char *name, pid_t pid, int fd)
{
	struct nn_holder h = { .kind = NN_HOLD_FD, .pid = pid, .fd = fd };
	struct nn_nsid id;
	enum nn_ns_type type;
	struct stat st;
	int nsfd;

	if (fstatat(dir, name, &st, 0) < 0 || st.st_dev != k->s->nsfs_dev)
		return 0;
	id = (struct nn_nsid){ st.st_dev, st.st_ino };
	nsfd = open_nsfs(k->s, dir, name, id, &type);
	return nsfd < 0 ? 0 : found(k, type, id, nsfd, NULL, h);
}

/*
 * scan_fds() - the nsfs fds, sockets and tun fds of @pid.  An fd opened through
 * /proc/PID/ns/TYPE reads as "TYPE:[INO]"; one opened through an nsfs bind mount reads as
 * the mount point, and as "/" once the mount is detached (see
 * docs/facts-netns.md#discovery-sources).  Of the fds that read as a path only those are
 * stat(2)ed, not every open file: "/" here, the path of an nsfs mount point once the
 * mount points are known (dsc_scan_fd_paths()).
 */
static int scan_fds(struct sink *k, pid_t pid, struct nn_nsid own_net)
{
	const struct scan *s = k->s;
	char dir[64];
	DIR *d;
	struct dirent *e;
	_cleanup_close_ int pidfd = -1;
	bool noted = false;
	int ret = 0;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (!d) {
		int why = errno;

		if ((why == EACCES || why == EPERM) &&
		    event(k, (struct ev){ .kind = EV_FD_UNREADABLE }) < 0)
			return -ENOMEM;
		return dsc_gone(why) ? 0 : gap(k, why, "%s", dir);
	}
	while (!ret && (e = readdir(d))) {
		char link[PATH_MAX]; /* d_path() of a link fits in a page (fs/proc/base.c) */
		ssize_t l;
		int type;
		struct stat st;
		unsigned long fd;

		if (nn_parse_uint(e->d_name, 0, INT32_MAX, &fd) < 0)
			continue;
		l = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
		/* EACCES: the ptrace check (proc_fd_access_allowed()) refuses every fd alike */
		if (l < 0 && (errno == EACCES || errno == EPERM))
			break;
		if (l < 0)
			continue;
		link[l] = '\0';
		if (!strcmp(link, "/dev/net/tun")) {
			if (dsc_wanted(s, NN_NS_NET))
				ret = event(k, (struct ev){
						       .kind = EV_TUN, .pid = pid, .fd = (int)fd });
			continue;
		}
		if (!strncmp(link, "socket:[", 8)) {
			if (dsc_wanted(s, NN_NS_NET) && own_net.ino)
				ret = scan_socket(k, pid, (int)fd, own_net, &pidfd, &noted);
			continue;
		}
		if (link[0] == '/' && link[1]) {
			ret = fdpath(k, pid, (int)fd, link, (size_t)l);
			continue;
		}
		if (link[0] == '/') {
			ret = scan_root_fd(k, dirfd(d), e->d_name, pid, (int)fd);
			continue;
		}
		type = dsc_ns_type_of_link(link);
		if (type < 0 || !dsc_wanted(s, type))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, 0) < 0 || st.st_dev != s->nsfs_dev)
			continue;
		ret = found(k, type, (struct nn_nsid){ st.st_dev, st.st_ino }, dirfd(d), e->d_name,
			    (struct nn_holder){ .kind = NN_HOLD_FD, .pid = pid, .fd = (int)fd });
	}
	closedir(d);
	return ret;
}

static int scan_pid(struct sink *k, pid_t pid)
{
	const struct scan *s = k->s;
	char dir[64];
	struct nn_nsid own[NN_NS_NTYPES];
	int e, ret;

	snprintf(dir, sizeof(dir), "/proc/%d/ns", (int)pid);
	/* the mount ns is always needed: it says where to look for bind mounts */
	e = stat_ns_links(dir, s->types ? s->types | 1u << NN_NS_MNT : ~0u, own);
	if (e && !dsc_gone(e) && gap(k, e, "%s", dir) < 0)
		return -ENOMEM;
	if (dsc_gone(e) && access(dir, F_OK) < 0)
		return 0; /* exited during the scan */
	for (int t = 0; t < NN_NS_NTYPES; t++) {
		char path[96];

		if (!dsc_wanted(s, t) || !own[t].ino)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, nn_ns_type_name(t));
		if (found(k, t, own[t], AT_FDCWD, path,
			  (struct nn_holder){ .kind = NN_HOLD_PROCESS, .pid = pid, .fd = -1 }) < 0)
			return -ENOMEM;
	}
	if ((ret = scan_children(k, pid, own)) < 0 || (ret = scan_tasks(k, pid, own)) < 0 ||
	    (pid != s->self && (ret = scan_fds(k, pid, own[NN_NS_NET])) < 0))
		return ret;
	if (own[NN_NS_MNT].ino)
		return event(k, (struct ev){ .kind = EV_MNTNS, .id = own[NN_NS_MNT], .pid = pid });
	return 0;
}

/* The processes left to scan, [lo, hi), taken from both ends. */
struct procs {
	const pid_t *pids;
	size_t lo, hi;
	pthread_mutex_t lock;
	int ret; /* the second thread's: 0 or -ENOMEM */
	struct sink k; /* the second thread's */
};

/* take() - the next process from the low end (@low) or the high end; false: none left */
static bool take(struct procs *p, bool low, size_t *i)
{
	bool ok;

	pthread_mutex_lock(&p->lock);
	ok = p->lo < p->hi;
	if (ok)
		*i = low ? p->lo++ : --p->hi;
	pthread_mutex_unlock(&p->lock);
	return ok;
}

static void *high_end(void *arg)
{
	struct procs *p = arg;
	size_t i;

	while (!p->ret && take(p, false, &i)) {
		if (dsc_grow(&p->k.first, p->k.nfirst, sizeof(*p->k.first)) < 0) {
			p->ret = -ENOMEM;
			break;
		}
		p->k.first[p->k.nfirst++] = p->k.n;
		p->ret = scan_pid(&p->k, p->pids[i]);
	}
	return NULL;
}

/* drop() - close the pins and free the strings that @k's log still holds */
static void drop(struct sink *k)
{
	for (size_t i = 0; i < k->n; i++) {
		if (k->log[i].kind == EV_NS && k->log[i].fd >= 0)
			close(k->log[i].fd);
		free(k->log[i].what);
	}
}

int dsc_scan_procs(struct scan *s, const pid_t *pids, size_t npids)
{
	struct procs p = { .pids = pids, .hi = npids, .k = { .s = s, .logged = true } };
	struct sink here = { .s = s };
	bool helper = false;
	pthread_t th;
	size_t i;
	int ret = 0;

	pthread_mutex_init(&p.lock, NULL);
	if (npids >= PROCS_THREAD_MIN)
		helper = pthread_create(&th, NULL, high_end, &p) == 0;
	while (!ret && take(&p, true, &i))
		ret = scan_pid(&here, pids[i]);
	if (helper) {
		pthread_join(th, NULL);
		ret = ret ? ret : p.ret;
	}
	/* the high end's processes, lowest pid first: its log, process by process, backwards */
	for (size_t g = p.k.nfirst; g-- > 0 && !ret;) {
		size_t end = g + 1 < p.k.nfirst ? p.k.first[g + 1] : p.k.n;

		for (size_t e = p.k.first[g]; e < end && !ret; e++)
			ret = apply(s, &p.k.log[e]);
	}
	if (!ret && p.k.nfdpaths) { /* the high end's fds with a path, after this thread's */
		struct dsc_fdpath *all =
			realloc(s->fdpaths, (s->nfdpaths + p.k.nfdpaths) * sizeof(*all));

		if (all) {
			memcpy(all + s->nfdpaths, p.k.fdpaths, p.k.nfdpaths * sizeof(*all));
			s->fdpaths = all;
			s->nfdpaths += p.k.nfdpaths;
		}
		ret = all ? 0 : -ENOMEM;
	}
	drop(&p.k);
	free(p.k.log);
	free(p.k.first);
	free(p.k.seen);
	free(p.k.fdpaths);
	pthread_mutex_destroy(&p.lock);
	return ret;
}

static int cmp_hash(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int cmp_fdpath(const void *a, const void *b)
{
	const struct dsc_fdpath *x = a, *y = b;

	if (x->pid != y->pid)
		return (x->pid > y->pid) - (x->pid < y->pid);
	return (x->fd > y->fd) - (x->fd < y->fd);
}

/*
 * before() - holder @a comes before fd @fd of @pid in the order of the scan: processes
 * in pid order, each with its own namespaces, threads, then fds in fd order, then the
 * bind mounts (dsc_scan_mounts())
 */
static bool before(const struct nn_holder *a, pid_t pid, int fd)
{
	if (a->kind == NN_HOLD_BINDMOUNT || a->pid > pid)
		return false;
	return a->pid < pid ||
	       !((a->kind == NN_HOLD_FD || a->kind == NN_HOLD_SOCKET) && a->fd > fd);
}

/* insert_fd() - fd @fd of @pid holds @n: its holder where the scan would have put it */
static int insert_fd(struct nn_ns *n, pid_t pid, int fd)
{
	struct nn_holder h = { .kind = NN_HOLD_FD, .pid = pid, .fd = fd };
	size_t i = 0;

	if (dsc_add_holder(n, h) < 0)
		return -ENOMEM;
	while (i + 1 < n->nholders && before(&n->holders[i], pid, fd))
		i++;
	memmove(&n->holders[i + 1], &n->holders[i], (n->nholders - 1 - i) * sizeof(h));
	n->holders[i] = h;
	return 0;
}

int dsc_scan_fd_paths(struct scan *s)
{
	_cleanup_free_ struct dsc_fdpath *hit = NULL;
	size_t nhit = 0;
	int ret = 0;

	if (!s->nmntpaths || !s->nfdpaths)
		return 0;
	qsort(s->mntpaths, s->nmntpaths, sizeof(*s->mntpaths), cmp_hash);
	for (size_t i = 0; i < s->nfdpaths; i++) {
		if (!bsearch(&s->fdpaths[i].hash, s->mntpaths, s->nmntpaths, sizeof(uint64_t),
			     cmp_hash))
			continue;
		if (dsc_grow(&hit, nhit, sizeof(*hit)) < 0)
			return -ENOMEM;
		hit[nhit++] = s->fdpaths[i];
	}
	/* in pid order, as the scan: a namespace new to the table comes after the others */
	if (nhit)
		qsort(hit, nhit, sizeof(*hit), cmp_fdpath);
	for (size_t i = 0; i < nhit && !ret; i++) {
		char path[64];
		struct stat st;
		struct nn_nsid id;
		struct nn_ns *n = NULL;
		enum nn_ns_type type;
		int fd;

		/* the hash matched, the path may not; the fd may be another file by now */
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)hit[i].pid, hit[i].fd);
		if (stat(path, &st) < 0 || st.st_dev != s->nsfs_dev)
			continue;
		id = (struct nn_nsid){ st.st_dev, st.st_ino };
		/* nsfs inode numbers are unique across types: the table knows it as one */
		for (int t = 0; t < NN_NS_NTYPES && !n; t++)
			n = dsc_wanted(s, t) ? dsc_lookup(s, t, id) : NULL;
		if (!n) {
			fd = open_nsfs(s, AT_FDCWD, path, id, &type);
			if (fd < 0)
				continue;
			n = dsc_insert(s, type, id, fd);
			if (!n)
				return -ENOMEM;
		}
		ret = insert_fd(n, hit[i].pid, hit[i].fd);
	}
	return ret;
}
