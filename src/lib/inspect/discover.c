// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * discover.c - find every namespace and what keeps it alive (see discover.h): the table,
 * and the order of the scan
 *
 * Sources (docs/facts-netns.md#discovery-sources, #pinning, #partial-rights): processes
 * are scanned in discover_proc.c, bind mounts and /run/netns names in discover_mnt.c.
 * Every namespace is pinned by one fd when first seen.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/sockios.h>

#include "discover.h"
#include "discover_internal.h"
#include "enter.h"
#include "pidfd.h"
#include "rtnl.h"
#include "util.h"

/* dsc_grow() - make room for one more element in an array sized by powers of two */
int dsc_grow(void *arrp, size_t n, size_t size)
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

struct nn_ns *dsc_lookup(struct scan *s, enum nn_ns_type type, struct nn_nsid id)
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

int nn_gap_addv(struct nn_gap **gaps, size_t *n, int code, const char *fmt, va_list ap)
{
	char *what;

	if (vasprintf(&what, fmt, ap) < 0)
		return -ENOMEM;
	if (dsc_grow(gaps, *n, sizeof(**gaps)) < 0) {
		free(what);
		return -ENOMEM;
	}
	(*gaps)[(*n)++] = (struct nn_gap){ .what = what, .code = code };
	return 0;
}

int dsc_add_gap(struct nn_ns_table *t, int code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = nn_gap_addv(&t->gaps, &t->ngaps, code, fmt, ap);
	va_end(ap);
	return r;
}

int dsc_pin(int dirfd, const char *path, struct nn_nsid id)
{
	int fd = path ? openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK) : dirfd;
	struct stat st;

	/* the path may have been reused between stat and open */
	if (fd >= 0 && (fstat(fd, &st) < 0 || st.st_ino != id.ino || st.st_dev != id.dev)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

struct nn_ns *dsc_insert(struct scan *s, enum nn_ns_type type, struct nn_nsid id, int fd)
{
	struct nn_ns_table *t = s->t;
	struct nn_ns *n;
	size_t i;

	if (t->n + 1 > s->hcap / 2 && rehash(s, s->hcap * 2) < 0)
		goto nomem;
	if (t->n == s->cap) {
		struct nn_ns *p = realloc(t->ns, (s->cap ? s->cap * 2 : 64) * sizeof(*p));

		if (!p)
			goto nomem;
		t->ns = p;
		s->cap = s->cap ? s->cap * 2 : 64;
	}
	n = &t->ns[t->n];
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->id = id;
	n->owner_uid = (uid_t)-1;
	n->netnsid = NN_NETNSID_UNKNOWN;
	n->fd = fd;
	t->n++;
	i = hash_slot(s, type, id.ino);
	while (s->hash[i])
		i = (i + 1) & (s->hcap - 1);
	s->hash[i] = t->n;
	return n;
nomem:
	if (fd >= 0)
		close(fd);
	return NULL;
}

struct nn_ns *dsc_get_ns(struct scan *s, enum nn_ns_type type, struct nn_nsid id, int dirfd,
			 const char *path)
{
	struct nn_ns *n = dsc_lookup(s, type, id);

	if (n) {
		if (!path)
			close(dirfd);
		return n;
	}
	return dsc_insert(s, type, id, dsc_pin(dirfd, path, id));
}

int dsc_add_holder(struct nn_ns *n, struct nn_holder h)
{
	if (dsc_grow(&n->holders, n->nholders, sizeof(*n->holders)) < 0) {
		free(h.path);
		return -ENOMEM;
	}
	n->holders[n->nholders++] = h;
	return 0;
}

int dsc_add_pid(struct nn_ns *n, pid_t pid)
{
	if (dsc_grow(&n->pids, n->npids, sizeof(*n->pids)) < 0)
		return -ENOMEM;
	n->pids[n->npids++] = pid;
	return dsc_add_holder(n, (struct nn_holder){ .kind = NN_HOLD_PROCESS, .pid = pid, .fd = -1 });
}

bool dsc_wanted(const struct scan *s, enum nn_ns_type t)
{
	return !s->types || (s->types & (1u << t));
}

/* dsc_ns_type_of_link() - "net:[4026532280]" (an nsfs readlink) -> type, else -1 */
int dsc_ns_type_of_link(const char *link)
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

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/*
 * netnsids() - the nsid of every pinned netns of @t in ours (nn_ns.netnsid), asked in
 * batches on one socket (nn_rtnl_netnsids(): a few sendmsg instead of one exchange each)
 */
void nn_discover_netnsids(struct nn_ns_table *t)
{
	struct nn_rtnl nl __attribute__((cleanup(nn_rtnl_close))) = { 0 };
	_cleanup_free_ size_t *idx = NULL;
	_cleanup_free_ int *fds = NULL;
	_cleanup_free_ int32_t *ids = NULL;
	_cleanup_free_ bool *ok = NULL;
	struct nn_err e;
	size_t k = 0;

	if (nn_rtnl_open(&nl, -1, "of the scan", &e) < 0) {
		dsc_add_gap(t, e.code, "netlink socket for netnsid");
		return;
	}
	idx = calloc(t->n ? t->n : 1, sizeof(*idx));
	fds = calloc(t->n ? t->n : 1, sizeof(*fds));
	ids = calloc(t->n ? t->n : 1, sizeof(*ids));
	ok = calloc(t->n ? t->n : 1, sizeof(*ok));
	if (!idx || !fds || !ids || !ok)
		return; /* netnsid stays NN_NETNSID_UNKNOWN, as for a failed query */
	for (size_t i = 0; i < t->n; i++)
		if (t->ns[i].type == NN_NS_NET && t->ns[i].fd >= 0) {
			idx[k] = i;
			fds[k++] = t->ns[i].fd;
		}
	if (nn_rtnl_netnsids(&nl, fds, k, ids, ok) < 0)
		return;
	for (size_t j = 0; j < k; j++)
		if (ok[j])
			t->ns[idx[j]].netnsid = ids[j];
}

void nn_fd_table_reserve(int top, size_t more)
{
	int fd = fcntl(0, F_DUPFD_CLOEXEC, top + (int)more + 16);

	if (fd < 0)
		fd = fcntl(top, F_DUPFD_CLOEXEC, top + (int)more + 16);
	if (fd >= 0)
		close(fd);
}

#define OWNERS_THREAD_MIN 64 /* fewer namespaces are not worth a thread */

struct owners {
	struct nn_ns_table *t;
	atomic_size_t next;
};

/* owners() - the owning userns and its uid of each entry not taken yet (NS_GET_USERNS) */
static void *owners(void *p)
{
	struct owners *o = p;
	size_t i;

	while ((i = atomic_fetch_add(&o->next, 1)) < o->t->n) {
		struct nn_ns *n = &o->t->ns[i];

		if (n->fd >= 0)
			nn_ns_owner(n->fd, &n->userns, &n->owner_uid, NULL);
	}
	return NULL;
}

/*
 * finish() - initial flags, nsids, sorted pids, and with @owners_too the owners.  The
 * owners (four syscalls per namespace, ioctl_ns(2)) are asked by a second thread and this
 * one, which asks the nsids first; each thread writes only the fields of the entries it
 * takes.
 */
static void finish(struct scan *s, bool owners_too, bool nsids_too)
{
	struct nn_ns_table *t = s->t;
	struct owners o = { t, 0 };
	bool helper = false;
	pthread_t th;
	int top = 2;

	for (size_t i = 0; i < t->n; i++) {
		struct nn_ns *n = &t->ns[i];

		if (n->npids) /* a netns held only by an fd or a mount has none, and pids NULL */
			qsort(n->pids, n->npids, sizeof(*n->pids), cmp_pid);
		n->initial = nn_ns_is_initial(n->type, n->id);
		top = n->fd > top ? n->fd : top;
	}
	if (owners_too && t->n >= OWNERS_THREAD_MIN) {
		nn_fd_table_reserve(top, 16); /* a socket here, a userns fd in each thread */
		helper = pthread_create(&th, NULL, owners, &o) == 0;
	}
	if (nsids_too)
		nn_discover_netnsids(t);
	if (owners_too)
		owners(&o);
	if (helper)
		pthread_join(th, NULL);
}

static int list_pids(pid_t **out, size_t *n, struct nn_err *err)
{
	_cleanup_closedir_ DIR *d = opendir("/proc");
	struct dirent *e;
	_cleanup_free_ pid_t *pids = NULL;
	size_t k = 0;

	if (!d)
		return nn_err(err, errno, "open /proc");
	while ((e = readdir(d))) {
		unsigned long v;

		if (nn_parse_uint(e->d_name, 1, INT32_MAX, &v) < 0)
			continue;
		if (dsc_grow(&pids, k, sizeof(*pids)) < 0)
			return nn_err(err, ENOMEM, "list /proc");
		pids[k++] = (pid_t)v;
	}
	qsort(pids, k, sizeof(*pids), cmp_pid);
	*out = steal_pointer(&pids);
	*n = k;
	return 0;
}

int nn_discover(struct nn_ns_table *t, unsigned types, struct nn_err *err)
{
	return nn_discover_with(t, types, 0, err);
}

int nn_discover_with(struct nn_ns_table *t, unsigned types, unsigned flags, struct nn_err *err)
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
	/*
	 * The pins of the namespaces processes hold, opened by two threads beside the
	 * mountinfo reader (dsc_scan_procs()): room for them now, while this thread is the
	 * only one and the fd table grows without an RCU grace period (nn_fd_table_reserve())
	 */
	nn_fd_table_reserve(2, npids + 64);
	dsc_reader_start(&s);
	if (!ret)
		ret = dsc_scan_procs(&s, pids, npids);
	if (!ret)
		ret = dsc_scan_mounts(&s, pids, npids);
	if (!ret)
		ret = dsc_scan_fd_paths(&s);
	if (!ret)
		ret = dsc_scan_names(&s, NN_NETNS_RUN_DIR, true);
	if (!ret && xdg && *xdg) {
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%s/netns", xdg);
		ret = dsc_scan_names(&s, dir, false);
	}
	dsc_reader_stop(&s);
	if (!ret)
		finish(&s, !(flags & NN_DISCOVER_NO_OWNERS), !(flags & NN_DISCOVER_NO_NSIDS));
	free(s.hash);
	free(s.mnt);
	free(s.fdpaths);
	free(s.mntpaths);
	if (ret < 0) {
		nn_ns_table_free(t);
		return nn_err(err, -ret, "scan namespaces");
	}
	return 0;
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
	free(t->tun_fds);
	memset(t, 0, sizeof(*t));
}
