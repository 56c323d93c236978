// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * discover.c - find every namespace and what keeps it alive (see discover.h)
 *
 * Sources (reference/introspection.md "Spec-ready facts" 1-3, 9): /proc/PID/ns/TYPE,
 * /proc/PID/{pid,time}_for_children, /proc/PID/task/TID/ns/TYPE, nsfs fds in /proc/PID/fd,
 * and nsfs mounts in /proc/P/mountinfo for one P per mount namespace, opened through
 * /proc/P/root<mountpoint> (proc(5)).  Every namespace is pinned by one fd when first seen.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/sockios.h>

#include <libmnl/libmnl.h>

#include "discover.h"
#include "util.h"

#define NETNS_RUN_DIR "/run/netns" /* iproute2 Makefile NETNS_RUN_DIR */

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

/* grow_arr() - make room for one more element in an array sized by powers of two */
static int grow_arr(void *arrp, size_t n, size_t size)
{
	void **arr = arrp;
	void *p;

	if (n && (n & (n - 1)))
		return 0;
	p = realloc(*arr, (n ? 2 * n : 4) * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	return 0;
}

static size_t hash_slot(const struct scan *s, enum nn_ns_type type, uint64_t ino)
{
	uint64_t h = (ino * 0x9E3779B97F4A7C15ull) ^ type;

	return (size_t)(h ^ (h >> 29)) & (s->hcap - 1);
}

static struct nn_ns *lookup(struct scan *s, enum nn_ns_type type, struct nn_nsid id)
{
	for (size_t i = hash_slot(s, type, id.ino);; i = (i + 1) & (s->hcap - 1)) {
		struct nn_ns *n;

		if (!s->hash[i])
			return NULL;
		n = &s->t->ns[s->hash[i] - 1];
		if (n->type == type && nn_nsid_equal(n->id, id))
			return n;
	}
}

static int rehash(struct scan *s, size_t hcap)
{
	size_t *h = calloc(hcap, sizeof(*h));

	if (!h)
		return -ENOMEM;
	free(s->hash);
	s->hash = h;
	s->hcap = hcap;
	for (size_t k = 0; k < s->t->n; k++) {
		struct nn_ns *n = &s->t->ns[k];
		size_t i = hash_slot(s, n->type, n->id.ino);

		while (s->hash[i])
			i = (i + 1) & (hcap - 1);
		s->hash[i] = k + 1;
	}
	return 0;
}

static int add_gap(struct scan *s, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int add_gap(struct scan *s, int code, const char *fmt, ...)
{
	struct nn_ns_table *t = s->t;
	va_list ap;
	char *what;

	va_start(ap, fmt);
	if (vasprintf(&what, fmt, ap) < 0)
		what = NULL;
	va_end(ap);
	if (!what || grow_arr(&t->gaps, t->ngaps, sizeof(*t->gaps)) < 0) {
		free(what);
		return -ENOMEM;
	}
	t->gaps[t->ngaps].what = what;
	t->gaps[t->ngaps].code = code;
	t->ngaps++;
	return 0;
}

/*
 * get_ns() - the table entry for (@type, @id), created and pinned by opening @path
 * (relative to @dirfd) when new; with @path NULL, @dirfd is an open nsfs fd to dup.  Return: the entry, NULL on ENOMEM.  A namespace that
 * cannot be opened is kept with fd -1.
 */
static struct nn_ns *get_ns(struct scan *s, enum nn_ns_type type, struct nn_nsid id,
			    int dirfd, const char *path)
{
	struct nn_ns_table *t = s->t;
	struct nn_ns *n = lookup(s, type, id);
	size_t i;

	if (n)
		return n;
	if (t->n + 1 > s->hcap / 2 && rehash(s, s->hcap * 2) < 0)
		return NULL;
	if (t->n == s->cap) {
		struct nn_ns *p = realloc(t->ns, (s->cap ? s->cap * 2 : 64) * sizeof(*p));

		if (!p)
			return NULL;
		t->ns = p;
		s->cap = s->cap ? s->cap * 2 : 64;
	}
	n = &t->ns[t->n];
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->id = id;
	n->owner_uid = (uid_t)-1;
	n->netnsid = NN_NETNSID_UNKNOWN;
	n->fd = path ? openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
		     : fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (n->fd >= 0) {
		struct stat st;

		/* the path may have been reused between stat and open */
		if (fstat(n->fd, &st) < 0 || st.st_ino != id.ino || st.st_dev != id.dev) {
			close(n->fd);
			n->fd = -1;
		}
	}
	t->n++;
	i = hash_slot(s, type, id.ino);
	while (s->hash[i])
		i = (i + 1) & (s->hcap - 1);
	s->hash[i] = t->n;
	return n;
}

static int add_holder(struct nn_ns *n, struct nn_holder h)
{
	if (grow_arr(&n->holders, n->nholders, sizeof(*n->holders)) < 0) {
		free(h.path);
		return -ENOMEM;
	}
	n->holders[n->nholders++] = h;
	return 0;
}

static int add_pid(struct nn_ns *n, pid_t pid)
{
	if (grow_arr(&n->pids, n->npids, sizeof(*n->pids)) < 0)
		return -ENOMEM;
	n->pids[n->npids++] = pid;
	return add_holder(n, (struct nn_holder){ .kind = NN_HOLD_PROCESS, .pid = pid, .fd = -1 });
}

static bool wanted(const struct scan *s, enum nn_ns_type t)
{
	return !s->types || (s->types & (1u << t));
}

/* errno of a failed /proc read, told apart as discover.h asks: gone, permission, other */
static bool gone(int e)
{
	return e == ENOENT || e == ESRCH;
}

static int note_mntns(struct scan *s, uint64_t ino, pid_t pid)
{
	for (size_t i = 0; i < s->nmnt; i++)
		if (s->mnt[i].ino == ino)
			return 0;
	if (s->nmnt == s->capmnt) {
		struct mntns_seen *p = realloc(s->mnt, (s->capmnt ? 2 * s->capmnt : 16) *
					       sizeof(*p));
		if (!p)
			return -ENOMEM;
		s->mnt = p;
		s->capmnt = s->capmnt ? 2 * s->capmnt : 16;
	}
	s->mnt[s->nmnt++] = (struct mntns_seen){ .ino = ino, .pid = pid };
	return 0;
}

/*
 * stat_ns_links() - stat every namespace link in @dir (/proc/PID/ns or its task's) into
 * @ids (ino 0 when unreadable or not in @mask).  Return: 0, or the errno of the first failure that was
 * not "no such file" for one type (old kernels lack time, cgroup).
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

static int scan_children(struct scan *s, pid_t pid, const struct nn_nsid own[NN_NS_NTYPES])
{
	static const struct { enum nn_ns_type t; const char *link; } kids[] = {
		{ NN_NS_PID, "pid_for_children" }, { NN_NS_TIME, "time_for_children" },
	};

	for (size_t k = 0; k < ARRAY_SIZE(kids); k++) {
		char path[64];
		struct stat st;
		struct nn_ns *n;

		if (!wanted(s, kids[k].t))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, kids[k].link);
		/* empty (ENOENT) until the first child is created: nothing to show */
		if (stat(path, &st) < 0)
			continue;
		if (st.st_ino == own[kids[k].t].ino && st.st_dev == own[kids[k].t].dev)
			continue;
		n = get_ns(s, kids[k].t, (struct nn_nsid){ st.st_dev, st.st_ino }, AT_FDCWD, path);
		if (!n || add_holder(n, (struct nn_holder){ .kind = NN_HOLD_CHILDREN, .pid = pid,
							    .fd = -1 }) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int scan_tasks(struct scan *s, pid_t pid, const struct nn_nsid own[NN_NS_NTYPES])
{
	char dir[64];
	DIR *d;
	struct dirent *e;
	int ret = 0;

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	d = opendir(dir);
	if (!d)
		return gone(errno) ? 0 : add_gap(s, errno, "%s", dir);
	while (!ret && (e = readdir(d))) {
		unsigned long tid;
		struct nn_nsid ids[NN_NS_NTYPES];
		char tdir[96];

		if (nn_parse_uint(e->d_name, 1, INT32_MAX, &tid) < 0 || (pid_t)tid == pid)
			continue;
		snprintf(tdir, sizeof(tdir), "%s/%lu/ns", dir, tid);
		stat_ns_links(tdir, s->types ? s->types : ~0u, ids);
		for (int t = 0; t < NN_NS_NTYPES && !ret; t++) {
			struct nn_ns *n;
			char path[128];

			if (!wanted(s, t) || !ids[t].ino || nn_nsid_equal(ids[t], own[t]))
				continue;
			snprintf(path, sizeof(path), "%s/%s", tdir, nn_ns_type_name(t));
			n = get_ns(s, t, ids[t], AT_FDCWD, path);
			ret = n ? add_holder(n, (struct nn_holder){ .kind = NN_HOLD_THREAD,
					.pid = pid, .tid = (pid_t)tid, .fd = -1 }) : -ENOMEM;
		}
	}
	closedir(d);
	return ret;
}

/* fd_ns_type() - "net:[4026532280]" (readlink of an nsfs fd) -> type; -1 for anything else */
static int fd_ns_type(const char *link)
{
	const char *br = strchr(link, ':');
	char name[16];
	enum nn_ns_type t;

	if (!br || br - link >= (long)sizeof(name) || br[1] != '[')
		return -1;
	memcpy(name, link, br - link);
	name[br - link] = '\0';
	return nn_ns_type_parse(name, &t) == 0 ? (int)t : -1;
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
		*pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (*pidfd < 0)
			return -errno;
	}
	sfd = (int)syscall(SYS_pidfd_getfd, *pidfd, fd, 0);
	if (sfd < 0)
		return -errno;
	ns = ioctl(sfd, SIOCGSKNS);
	return ns < 0 ? -errno : ns;
}

/*
 * scan_socket() - a socket of @pid in a netns other than @own (the process's): that
 * netns is kept alive by the socket.  Failures to look are noted once per process.
 */
static int scan_socket(struct scan *s, pid_t pid, int fd, struct nn_nsid own, int *pidfd,
		       bool *noted)
{
	_cleanup_close_ int ns = socket_netns(pidfd, pid, fd);
	struct stat st;
	struct nn_ns *n;

	if (ns < 0) {
		if (*noted || -ns == ESRCH || -ns == EBADF)
			return 0; /* gone, or the fd was closed meanwhile */
		*noted = true;
		return add_gap(s, -ns == EINVAL ? ENOSYS : -ns, "sockets of pid %d", (int)pid);
	}
	if (fstat(ns, &st) < 0 || (st.st_dev == own.dev && st.st_ino == own.ino))
		return 0;
	n = get_ns(s, NN_NS_NET, (struct nn_nsid){ st.st_dev, st.st_ino }, ns, NULL);
	return n ? add_holder(n, (struct nn_holder){ .kind = NN_HOLD_SOCKET, .pid = pid,
						     .fd = fd }) : -ENOMEM;
}

static int scan_fds(struct scan *s, pid_t pid, struct nn_nsid own_net)
{
	char dir[64];
	DIR *d;
	struct dirent *e;
	_cleanup_close_ int pidfd = -1;
	bool noted = false;
	int ret = 0;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (!d)
		return gone(errno) ? 0 : add_gap(s, errno, "%s", dir);
	while (!ret && (e = readdir(d))) {
		char link[64];
		ssize_t l;
		int type;
		struct stat st;
		struct nn_ns *n;
		unsigned long fd;

		if (nn_parse_uint(e->d_name, 0, INT32_MAX, &fd) < 0)
			continue;
		l = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
		if (l < 0)
			continue;
		link[l] = '\0';
		if (!strncmp(link, "socket:[", 8)) {
			if (wanted(s, NN_NS_NET) && own_net.ino)
				ret = scan_socket(s, pid, (int)fd, own_net, &pidfd, &noted);
			continue;
		}
		type = fd_ns_type(link);
		if (type < 0 || !wanted(s, type))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, 0) < 0 || st.st_dev != s->nsfs_dev)
			continue;
		n = get_ns(s, type, (struct nn_nsid){ st.st_dev, st.st_ino }, dirfd(d), e->d_name);
		ret = n ? add_holder(n, (struct nn_holder){ .kind = NN_HOLD_FD, .pid = pid,
							    .fd = (int)fd }) : -ENOMEM;
	}
	closedir(d);
	return ret;
}

/* unescape_octal() - undo mountinfo's \040-style escapes in place (proc(5)) */
static void unescape_octal(char *p)
{
	char *w = p;

	for (; *p; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			*w++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 3;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
}

/*
 * scan_mountinfo() - nsfs mounts of the mount ns of @m->pid.  Each mountinfo line is
 * "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS"
 * (proc(5)); for nsfs, ROOT is "net:[INO]".  Return: 0 (read or gap noted in @m->code).
 */
static int scan_mountinfo(struct scan *s, struct mntns_seen *m, pid_t pid)
{
	char path[64];
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int root = -1;
	char *line, *save = NULL;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		m->code = errno;
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	ret = nn_read_file(AT_FDCWD, path, &buf, NULL, NULL);
	if (ret < 0) {
		m->code = -ret;
		return 0;
	}
	for (line = strtok_r(buf, "\n", &save); line && !ret; line = strtok_r(NULL, "\n", &save)) {
		char *f[5], *sep = strstr(line, " - "), *tok, *fs = NULL, *p;
		const char *rel;
		struct nn_nsid id;
		struct stat st;
		struct nn_ns *n;
		int i, type;

		if (!sep || strncmp(sep + 3, "nsfs ", 5))
			continue;
		*sep = '\0';
		for (i = 0, tok = strtok_r(line, " ", &fs); tok && i < 5;
		     tok = strtok_r(NULL, " ", &fs))
			f[i++] = tok;
		if (i < 5 || (type = fd_ns_type(f[3])) < 0 || !wanted(s, type))
			continue;
		unescape_octal(f[4]);
		rel = f[4][1] ? f[4] + 1 : ".";
		/*
		 * ROOT names the namespace ("net:[INO]"); all nsfs files share one device.  The
		 * mount pins it even when something is mounted over it later, so ROOT, not the
		 * path, says which one.  Only a namespace not seen yet is opened, through the
		 * process's root so the path means what it means in that mount ns.
		 */
		if (sscanf(strchr(f[3], '[') + 1, "%" SCNu64, &id.ino) != 1)
			continue;
		id.dev = s->nsfs_dev;
		if (!lookup(s, type, id) && fstatat(root, rel, &st, 0) < 0) {
			ret = add_gap(s, errno, "nsfs mount %s in mount ns %llu (via pid %d)", f[4],
				      (unsigned long long)m->ino, (int)pid);
			continue;
		}
		n = get_ns(s, type, id, root, rel);
		p = n ? strdup(f[4]) : NULL;
		ret = p ? add_holder(n, (struct nn_holder){ .kind = NN_HOLD_BINDMOUNT, .pid = pid,
				.fd = -1, .path = p, .mntns = m->ino }) : -ENOMEM;
	}
	m->done = true;
	m->code = 0;
	return ret;
}

static int scan_pid(struct scan *s, pid_t pid)
{
	char dir[64];
	struct nn_nsid own[NN_NS_NTYPES];
	int e, ret;

	snprintf(dir, sizeof(dir), "/proc/%d/ns", (int)pid);
	/* the mount ns is always needed: it says where to look for bind mounts */
	e = stat_ns_links(dir, s->types ? s->types | 1u << NN_NS_MNT : ~0u, own);
	if (e && !gone(e) && add_gap(s, e, "%s", dir) < 0)
		return -ENOMEM;
	if (gone(e) && access(dir, F_OK) < 0)
		return 0; /* exited during the scan */
	for (int t = 0; t < NN_NS_NTYPES; t++) {
		struct nn_ns *n;
		char path[96];

		if (!wanted(s, t) || !own[t].ino)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, nn_ns_type_name(t));
		n = get_ns(s, t, own[t], AT_FDCWD, path);
		if (!n || add_pid(n, pid) < 0)
			return -ENOMEM;
	}
	if ((ret = scan_children(s, pid, own)) < 0 || (ret = scan_tasks(s, pid, own)) < 0 ||
	    (pid != s->self && (ret = scan_fds(s, pid, own[NN_NS_NET])) < 0))
		return ret;
	if (own[NN_NS_MNT].ino)
		return note_mntns(s, own[NN_NS_MNT].ino, pid);
	return 0;
}

/*
 * scan_mounts() - read the nsfs mounts of every mount ns once, through the first process
 * that lets us; what no process let us read becomes a gap.
 */
static int scan_mounts(struct scan *s, const pid_t *pids, size_t npids)
{
	for (size_t i = 0; i < s->nmnt; i++) {
		struct mntns_seen *m = &s->mnt[i];
		int ret;

		if ((ret = scan_mountinfo(s, m, m->pid)) < 0)
			return ret;
		/* the first process may be gone or not ours: try the others in that mount ns */
		for (size_t k = 0; !m->done && k < npids; k++) {
			char path[64];
			struct stat st;

			snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pids[k]);
			if (pids[k] == m->pid || stat(path, &st) < 0 || st.st_ino != m->ino)
				continue;
			if ((ret = scan_mountinfo(s, m, pids[k])) < 0)
				return ret;
		}
		if (!m->done && add_gap(s, m->code, "bind mounts of mount ns %llu (via pid %d)",
					(unsigned long long)m->ino, (int)m->pid) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int add_stale(struct nn_ns_table *t, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int add_stale(struct nn_ns_table *t, const char *path, const char *fmt, ...)
{
	va_list ap;
	char *p = strdup(path), *why = NULL;

	va_start(ap, fmt);
	if (vasprintf(&why, fmt, ap) < 0)
		why = NULL;
	va_end(ap);
	if (!p || !why || grow_arr(&t->stale_names, t->nstale, sizeof(char *)) < 0 ||
	    grow_arr(&t->stale_why, t->nstale, sizeof(char *)) < 0) {
		free(p);
		free(why);
		return -ENOMEM;
	}
	t->stale_names[t->nstale] = p;
	t->stale_why[t->nstale++] = why;
	return 0;
}

/*
 * scan_names() - entries of a netns run dir (@bare: store bare names, as `ip netns list`).
 * An entry is a name if stat(2) through it reaches an nsfs file (iproute2 ip/ipnetns.c
 * opens the path, following symlinks); dangling symlinks and plain files are stale.
 */
static int scan_names(struct scan *s, const char *rundir, bool bare)
{
	DIR *d = opendir(rundir);
	struct dirent *e;
	int ret = 0;

	if (!d)
		return errno == ENOENT ? 0 : add_gap(s, errno, "%s", rundir);
	while (!ret && (e = readdir(d))) {
		char path[PATH_MAX], target[PATH_MAX];
		struct stat st, lst;
		struct nn_ns *n;
		char *name;
		ssize_t l;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", rundir, e->d_name);
		if (fstatat(dirfd(d), e->d_name, &lst, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, 0) < 0) {
			int why = errno;

			l = S_ISLNK(lst.st_mode) ? readlinkat(dirfd(d), e->d_name, target,
							      sizeof(target) - 1) : -1;
			target[l > 0 ? l : 0] = '\0';
			ret = add_stale(s->t, path, "symlink to %s, which is gone (%s)", target,
					strerror(why));
			continue;
		}
		if (st.st_dev != s->nsfs_dev) {
			ret = add_stale(s->t, path, S_ISREG(st.st_mode) && !st.st_size ?
					"empty file: no nsfs mount on it in this mount namespace" :
					"not a namespace file");
			continue;
		}
		if (!wanted(s, NN_NS_NET))
			continue;
		n = get_ns(s, NN_NS_NET, (struct nn_nsid){ st.st_dev, st.st_ino }, dirfd(d),
			   e->d_name);
		name = n ? strdup(bare ? e->d_name : path) : NULL;
		if (!name || grow_arr(&n->names, n->nnames, sizeof(char *)) < 0) {
			free(name);
			ret = -ENOMEM;
			break;
		}
		n->names[n->nnames++] = name;
	}
	closedir(d);
	return ret;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* finish() - owners, initial flags, nsids, sorted pids */
static void finish(struct scan *s)
{
	struct nn_ns_table *t = s->t;
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);

	if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(nl);
		nl = NULL;
	}
	if (!nl)
		add_gap(s, errno, "netlink socket for netnsid");
	for (size_t i = 0; i < t->n; i++) {
		struct nn_ns *n = &t->ns[i];

		qsort(n->pids, n->npids, sizeof(*n->pids), cmp_pid);
		n->initial = nn_ns_is_initial(n->type, n->id);
		if (n->fd < 0)
			continue;
		nn_ns_owner(n->fd, &n->userns, &n->owner_uid, NULL);
		if (n->type == NN_NS_NET && nl)
			nn_netnsid_query(nl, n->fd, &n->netnsid, NULL);
	}
	if (nl)
		mnl_socket_close(nl);
}

static int list_pids(pid_t **out, size_t *n, struct nn_err *err)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	_cleanup_free_ pid_t *pids = NULL;
	size_t k = 0;

	if (!d)
		return nn_err(err, errno, "open /proc");
	while ((e = readdir(d))) {
		unsigned long v;

		if (nn_parse_uint(e->d_name, 1, INT32_MAX, &v) < 0)
			continue;
		if (grow_arr(&pids, k, sizeof(*pids)) < 0) {
			closedir(d);
			return nn_err(err, ENOMEM, "list /proc");
		}
		pids[k++] = (pid_t)v;
	}
	closedir(d);
	qsort(pids, k, sizeof(*pids), cmp_pid);
	*out = steal_pointer(&pids);
	*n = k;
	return 0;
}

int nn_discover(struct nn_ns_table *t, unsigned types, struct nn_err *err)
{
	struct scan s = { .t = t, .types = types };
	_cleanup_free_ pid_t *pids = NULL;
	size_t npids = 0;
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	int ret;

	if (stat("/proc/self/ns/mnt", &st) < 0)
		return nn_err(err, errno, "stat /proc/self/ns/mnt (is /proc mounted?)");
	s.nsfs_dev = st.st_dev;
	t->self_mntns = st.st_ino;
	ret = list_pids(&pids, &npids, err);
	if (ret < 0)
		return ret;
	s.self = getpid();
	s.hcap = 256;
	s.hash = calloc(s.hcap, sizeof(*s.hash));
	ret = s.hash ? 0 : -ENOMEM;
	for (size_t i = 0; i < npids && !ret; i++)
		ret = scan_pid(&s, pids[i]);
	if (!ret)
		ret = scan_mounts(&s, pids, npids);
	if (!ret)
		ret = scan_names(&s, NETNS_RUN_DIR, true);
	if (!ret && xdg && *xdg) {
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%s/netns", xdg);
		ret = scan_names(&s, dir, false);
	}
	if (!ret)
		finish(&s);
	free(s.hash);
	free(s.mnt);
	if (ret < 0) {
		nn_ns_table_free(t);
		return nn_err(err, -ret, "scan namespaces");
	}
	return 0;
}

struct nn_ns *nn_ns_table_find(struct nn_ns_table *t, enum nn_ns_type type, struct nn_nsid id)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->ns[i].type == type && nn_nsid_equal(t->ns[i].id, id))
			return &t->ns[i];
	return NULL;
}

void nn_ns_table_free(struct nn_ns_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct nn_ns *n = &t->ns[i];

		if (n->fd >= 0)
			close(n->fd);
		free(n->pids);
		for (size_t k = 0; k < n->nholders; k++)
			free(n->holders[k].path);
		free(n->holders);
		for (size_t k = 0; k < n->nnames; k++)
			free(n->names[k]);
		free(n->names);
	}
	free(t->ns);
	for (size_t i = 0; i < t->ngaps; i++)
		free(t->gaps[i].what);
	free(t->gaps);
	for (size_t i = 0; i < t->nstale; i++) {
		free(t->stale_names[i]);
		free(t->stale_why[i]);
	}
	free(t->stale_names);
	free(t->stale_why);
	memset(t, 0, sizeof(*t));
}
