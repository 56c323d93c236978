// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * discover_mnt.c - the part of nn_discover() that reads nsfs bind mounts in every mount
 * namespace (one /proc/P/mountinfo per mount ns, each mount opened through
 * /proc/P/root<mountpoint>, proc(5)) and the names in /run/netns and
 * $XDG_RUNTIME_DIR/netns (iproute2 ip/ipnetns.c).
 *
 * The kernel formats mountinfo line by line (fs/proc_namespace.c show_mountinfo()), and
 * with hundreds of /run/netns bind mounts in each of many mount namespaces that is much
 * of a scan.  So a reader thread reads each mount ns's mountinfo as soon as the process
 * scan notes it (dsc_note_mntns()), on the other CPU, while the scan goes on; the lines
 * are taken in the same order afterwards (dsc_scan_mounts()).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "discover_internal.h"
#include "util.h"

/* A mountinfo read ahead: the reader's copy of one mntns_seen, by the same index. */
struct ahead {
	pid_t pid;
	int root;     /* O_PATH fd of /proc/PID/root, or -1 */
	char *buf;    /* the mountinfo text, or NULL */
	int code;     /* errno when either failed */
	bool ready;
};

struct dsc_reader {
	pthread_mutex_t lock;
	pthread_cond_t cond;      /* an item added, an item read, or stop */
	struct ahead *items;      /* under lock: the array moves as it grows */
	size_t n, cap, next;      /* next: the first the thread has not taken */
	bool stop;
	bool joined;
	pthread_t th;
};

/* read_mountinfo() - open /proc/@pid/root (O_PATH) and read /proc/@pid/mountinfo */
static void read_mountinfo(pid_t pid, int *root, char **buf, int *code)
{
	char path[64];
	int ret;

	*buf = NULL;
	*code = 0;
	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	*root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*root < 0) {
		*code = errno;
		return;
	}
	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	ret = nn_read_file(AT_FDCWD, path, buf, NULL, NULL);
	if (ret < 0) {
		*code = -ret;
		close(*root);
		*root = -1;
	}
}

static void *reader_thread(void *p)
{
	struct dsc_reader *r = p;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		size_t i;
		pid_t pid;
		int root, code;
		char *buf;

		while (r->next == r->n && !r->stop)
			pthread_cond_wait(&r->cond, &r->lock);
		if (r->next == r->n)
			break;
		i = r->next++;
		pid = r->items[i].pid;
		pthread_mutex_unlock(&r->lock);
		read_mountinfo(pid, &root, &buf, &code);
		pthread_mutex_lock(&r->lock);
		r->items[i].root = root;
		r->items[i].buf = buf;
		r->items[i].code = code;
		r->items[i].ready = true;
		pthread_cond_broadcast(&r->cond);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

void dsc_reader_start(struct scan *s)
{
	struct dsc_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return; /* every mountinfo is read in dsc_scan_mounts() */
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	if (pthread_create(&r->th, NULL, reader_thread, r) != 0) {
		pthread_mutex_destroy(&r->lock);
		pthread_cond_destroy(&r->cond);
		free(r);
		return;
	}
	s->reader = r;
}

/* join() - end the reader once it has read what it has (@all) or what it is reading */
static void join(struct dsc_reader *r, bool all)
{
	if (r->joined)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	if (!all)
		r->n = r->next; /* what it has not taken yet, it need not read */
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->th, NULL);
	r->joined = true;
}

void dsc_reader_stop(struct scan *s)
{
	struct dsc_reader *r = s->reader;

	if (!r)
		return;
	join(r, false);
	for (size_t i = 0; i < r->n; i++) {
		if (r->items[i].root >= 0)
			close(r->items[i].root);
		free(r->items[i].buf);
	}
	free(r->items);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r);
	s->reader = NULL;
}

/* ahead() - hand mount ns @i (its first pid @pid) to the reader; false: read it later */
static bool ahead(struct scan *s, size_t i, pid_t pid)
{
	struct dsc_reader *r = s->reader;
	bool ok = false;

	if (!r)
		return false;
	pthread_mutex_lock(&r->lock);
	if (r->n == i && !r->stop) {
		if (r->n == r->cap) {
			struct ahead *p = realloc(r->items, (r->cap ? 2 * r->cap : 16) * sizeof(*p));

			if (p) {
				r->items = p;
				r->cap = r->cap ? 2 * r->cap : 16;
			}
		}
		if (r->n < r->cap) {
			r->items[r->n++] = (struct ahead){ .pid = pid, .root = -1 };
			pthread_cond_broadcast(&r->cond);
			ok = true;
		}
	}
	pthread_mutex_unlock(&r->lock);
	return ok;
}

/* taken() - wait for the reader's copy of mount ns @i and take it; false: none */
static bool taken(struct scan *s, size_t i, int *root, char **buf, int *code)
{
	struct dsc_reader *r = s->reader;
	bool ok = false;

	if (!r)
		return false;
	pthread_mutex_lock(&r->lock);
	if (i < r->n) {
		while (!r->items[i].ready)
			pthread_cond_wait(&r->cond, &r->lock);
		*root = r->items[i].root;
		*buf = r->items[i].buf;
		*code = r->items[i].code;
		r->items[i].root = -1;
		r->items[i].buf = NULL;
		ok = true;
	}
	pthread_mutex_unlock(&r->lock);
	return ok;
}

int dsc_note_mntns(struct scan *s, uint64_t ino, pid_t pid)
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
	s->mnt[s->nmnt] = (struct mntns_seen){ .ino = ino, .pid = pid };
	ahead(s, s->nmnt, pid);
	s->nmnt++;
	return 0;
}

void dsc_unescape_octal(char *p)
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
 * Each mountinfo line is "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE
 * SOURCE SUPEROPTS" (proc(5)); for nsfs, ROOT is "net:[INO]".
 */
int dsc_mountinfo_nsfs(char *line, struct dsc_nsfs_mount *m)
{
	char *f[5], *sep = strstr(line, " - "), *tok, *save = NULL;
	int i, type;

	if (!sep || strncmp(sep + 3, "nsfs ", 5))
		return 0;
	*sep = '\0';
	for (i = 0, tok = strtok_r(line, " ", &save); tok && i < 5;
	     tok = strtok_r(NULL, " ", &save))
		f[i++] = tok;
	if (i < 5 || (type = dsc_ns_type_of_link(f[3])) < 0)
		return 0;
	/* ROOT names the namespace ("net:[INO]"): dsc_ns_type_of_link() found the '[' */
	if (sscanf(strchr(f[3], '[') + 1, "%" SCNu64, &m->ino) != 1)
		return 0;
	dsc_unescape_octal(f[4]);
	m->type = type;
	m->mountpoint = f[4];
	return 1;
}

/*
 * scan_mountinfo() - nsfs mounts of the mount ns of @m->pid, each line parsed by
 * dsc_mountinfo_nsfs(): read here, or taken from the reader when @i (the index of @m)
 * was read ahead.  Return: 0 (read or gap noted in @m->code), or -ENOMEM.
 */
static int scan_mountinfo(struct scan *s, struct mntns_seen *m, pid_t pid, ssize_t i)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int root = -1;
	char *line, *save = NULL;
	int ret = 0, code;

	if (i < 0 || !taken(s, (size_t)i, &root, &buf, &code))
		read_mountinfo(pid, &root, &buf, &code);
	if (code) {
		m->code = code;
		return 0;
	}
	for (line = strtok_r(buf, "\n", &save); line && !ret; line = strtok_r(NULL, "\n", &save)) {
		struct dsc_nsfs_mount mnt;
		const char *rel;
		struct nn_nsid id;
		struct stat st;
		struct nn_ns *n;
		int fd = -1;
		char *p;

		if (!dsc_mountinfo_nsfs(line, &mnt) || !dsc_wanted(s, mnt.type))
			continue;
		/* an fd opened through it reads as its path (dsc_scan_fd_paths()) */
		if (dsc_grow(&s->mntpaths, s->nmntpaths, sizeof(*s->mntpaths)) < 0)
			return -ENOMEM;
		s->mntpaths[s->nmntpaths++] = dsc_path_hash(mnt.mountpoint, strlen(mnt.mountpoint));
		rel = mnt.mountpoint[1] ? mnt.mountpoint + 1 : ".";
		/*
		 * ROOT names the namespace ("net:[INO]"); all nsfs files share one device.  The
		 * mount pins it even when something is mounted over it later, so ROOT, not the
		 * path, says which one.  Only a namespace not seen yet is opened, through the
		 * process's root so the path means what it means in that mount ns; when that
		 * fails, a path that stat(2) reaches is kept unpinned, any other is a gap.
		 */
		id.ino = mnt.ino;
		id.dev = s->nsfs_dev;
		if (!dsc_lookup(s, mnt.type, id)) {
			fd = openat(root, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
			if (fd < 0 && fstatat(root, rel, &st, 0) < 0) {
				ret = dsc_add_gap(s->t, errno,
						  "nsfs mount %s in mount ns %llu (via pid %d)",
						  mnt.mountpoint, (unsigned long long)m->ino,
						  (int)pid);
				continue;
			}
		}
		n = dsc_get_ns(s, mnt.type, id, fd >= 0 ? fd : root, fd >= 0 ? NULL : rel);
		p = n ? strdup(mnt.mountpoint) : NULL;
		ret = p ? dsc_add_holder(n, (struct nn_holder){ .kind = NN_HOLD_BINDMOUNT, .pid = pid,
				.fd = -1, .path = p, .mntns = m->ino }) : -ENOMEM;
	}
	m->done = true;
	m->code = 0;
	return ret;
}

/*
 * dsc_scan_mounts() - read the nsfs mounts of every mount ns once, through the first process
 * that lets us; what no process let us read becomes a gap.
 */
int dsc_scan_mounts(struct scan *s, const pid_t *pids, size_t npids)
{
	/*
	 * Every mount ns is noted by now.  The reader ends before the nsfs files of the
	 * mounts are opened: opening them grows the fd table, and a table shared by threads
	 * is freed only after an RCU grace period (fs/file.c expand_fdtable():
	 * synchronize_rcu(), 10 to 30 ms here).
	 */
	if (s->reader)
		join(s->reader, true);
	for (size_t i = 0; i < s->nmnt; i++) {
		struct mntns_seen *m = &s->mnt[i];
		int ret;

		if ((ret = scan_mountinfo(s, m, m->pid, (ssize_t)i)) < 0)
			return ret;
		/* the first process may be gone or not ours: try the others in that mount ns */
		for (size_t k = 0; !m->done && k < npids; k++) {
			char path[64];
			struct stat st;

			snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pids[k]);
			if (pids[k] == m->pid || stat(path, &st) < 0 || st.st_ino != m->ino)
				continue;
			if ((ret = scan_mountinfo(s, m, pids[k], -1)) < 0)
				return ret;
		}
		if (!m->done && dsc_add_gap(s->t, m->code, "bind mounts of mount ns %llu (via pid %d)",
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
	if (!p || !why || dsc_grow(&t->stale_names, t->nstale, sizeof(char *)) < 0 ||
	    dsc_grow(&t->stale_why, t->nstale, sizeof(char *)) < 0) {
		free(p);
		free(why);
		return -ENOMEM;
	}
	t->stale_names[t->nstale] = p;
	t->stale_why[t->nstale++] = why;
	return 0;
}

/*
 * dsc_scan_names() - entries of a netns run dir (@bare: store bare names, as `ip netns list`).
 * An entry is a name if stat(2) through it reaches an nsfs file (iproute2 ip/ipnetns.c
 * opens the path, following symlinks); dangling symlinks and plain files are stale, and
 * a symlink whose target this user may not stat (EACCES) is a gap, not stale.
 */
/*
 * is_netns() - @name in @dirfd (on nsfs) is a net namespace; false with @type set when it
 * leads to another type (a symlink to /proc/PID/ns/uts).  An entry that cannot be opened
 * (mode 0, unprivileged) is taken for a netns: stat is all we have.
 */
static bool is_netns(int dirfd, const char *name, enum nn_ns_type *type)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	return fd < 0 || nn_ns_type_of_fd(fd, type, NULL) < 0 || *type == NN_NS_NET;
}

int dsc_scan_names(struct scan *s, const char *rundir, bool bare)
{
	DIR *d = opendir(rundir);
	struct dirent *e;
	int ret = 0;

	if (!d)
		return errno == ENOENT ? 0 : dsc_add_gap(s->t, errno, "%s", rundir);
	while (!ret && (e = readdir(d))) {
		char path[PATH_MAX], target[PATH_MAX];
		struct stat st, lst;
		struct nn_ns *n;
		char *name;
		enum nn_ns_type other;
		ssize_t l;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", rundir, e->d_name);
		if (fstatat(dirfd(d), e->d_name, &st, 0) < 0) {
			int why = errno;

			if (fstatat(dirfd(d), e->d_name, &lst, AT_SYMLINK_NOFOLLOW) < 0)
				continue; /* gone meanwhile */
			l = S_ISLNK(lst.st_mode) ? readlinkat(dirfd(d), e->d_name, target,
							      sizeof(target) - 1) : -1;
			target[l > 0 ? l : 0] = '\0';
			/*
			 * EACCES: the target is there but not ours to read (another user's
			 * /proc/PID/ns needs ptrace access, proc(5)); a gone one is ENOENT
			 */
			if (why == EACCES || why == EPERM)
				ret = *target ? dsc_add_gap(s->t, why, "%s (symlink to %s)", path,
							    target) :
						dsc_add_gap(s->t, why, "%s", path);
			else
				ret = add_stale(s->t, path, "symlink to %s, which is gone (%s)",
						target, strerror(why));
			continue;
		}
		if (st.st_dev != s->nsfs_dev) {
			ret = add_stale(s->t, path, S_ISREG(st.st_mode) && !st.st_size ?
					"empty file: no nsfs mount on it in this mount namespace" :
					"not a namespace file");
			continue;
		}
		/* an nsfs inode already in the table as a netns is one: no need to open it */
		if (!dsc_lookup(s, NN_NS_NET, (struct nn_nsid){ st.st_dev, st.st_ino }) &&
		    !is_netns(dirfd(d), e->d_name, &other)) {
			ret = add_stale(s->t, path, "a %s namespace, not a netns",
					nn_ns_type_name(other));
			continue;
		}
		if (!dsc_wanted(s, NN_NS_NET))
			continue;
		n = dsc_get_ns(s, NN_NS_NET, (struct nn_nsid){ st.st_dev, st.st_ino }, dirfd(d),
			   e->d_name);
		name = n ? strdup(bare ? e->d_name : path) : NULL;
		if (!name || dsc_grow(&n->names, n->nnames, sizeof(char *)) < 0) {
			free(name);
			ret = -ENOMEM;
			break;
		}
		n->names[n->nnames++] = name;
	}
	closedir(d);
	return ret;
}

