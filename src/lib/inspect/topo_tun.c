// SPDX-License-Identifier: GPL-2.0-or-later
/* topo_tun.c - which processes hold which tap/tun device (see topo.h) */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/stat.h>

#include <linux/if_tun.h>

#include "ns.h"
#include "proc.h"
#include "topo_internal.h"
#include "util.h"

/* "iff:\tNAME" from /proc/@pid/fdinfo/@fd (drivers/net/tun.c tun_chr_show_fdinfo) */
static bool fdinfo_iff(int pid, const char *fd, char name[IF_NAMESIZE])
{
	char path[64];
	_cleanup_free_ char *s = NULL;
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid, fd);
	if (nn_read_file(AT_FDCWD, path, &s, NULL, NULL) < 0)
		return false;
	p = strstr(s, "iff:\t");
	if (!p)
		return false;
	p += 5;
	snprintf(name, IF_NAMESIZE, "%.*s", (int)strcspn(p, "\n"), p);
	return *name != '\0';
}

/* the netns index of the device behind fd @fd of @pidfd (TUNGETDEVNETNS), -1 if refused */
static ssize_t device_netns(const struct nn_topo *t, int pidfd, int fd)
{
	_cleanup_close_ int dup = pidfd_getfd(pidfd, fd, 0);
	_cleanup_close_ int nsfd = -1;
	struct nn_nsid id;

	if (dup < 0)
		return -1;
	nsfd = ioctl(dup, TUNGETDEVNETNS);
	if (nsfd < 0 || nn_nsid_of_fd(nsfd, &id, NULL) < 0)
		return -1;
	return nn_topo_find_ns(t, id);
}

static void add_holder(struct nn_topo_link *l, const struct nn_topo_holder *h)
{
	struct nn_topo_holder *n = realloc(l->holders, (l->nholders + 1) * sizeof(*n));

	if (!n)
		return;
	l->holders = n;
	l->holders[l->nholders++] = *h;
}

/* tie one holder fd to its link: by (netns, name), else by name in every netns */
static void tie(struct nn_topo *t, int pidfd, int fd, const char *name,
		struct nn_topo_holder *h)
{
	ssize_t ns = pidfd >= 0 ? device_netns(t, pidfd, fd) : -1;
	struct nn_topo_link *l;

	if (ns >= 0 && (l = nn_topo_find_link(t, (size_t)ns, name, 0))) {
		add_holder(l, h);
		return;
	}
	h->ambiguous = true;
	for (size_t i = 0; i < t->n; i++)
		if ((l = nn_topo_find_link(t, i, name, 0)) && !strcmp(l->kind, "tun"))
			add_holder(l, h);
}

static void scan_pid(struct nn_topo *t, int pid, size_t *unreadable)
{
	char path[64], target[32], name[IF_NAMESIZE];
	_cleanup_close_ int pidfd = -1;
	struct nn_topo_holder h = { .pid = pid };
	bool first = true;
	struct dirent *d;
	struct stat st;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir) {
		if (errno == EACCES || errno == EPERM)
			(*unreadable)++;
		return;
	}
	while ((d = readdir(dir))) {
		ssize_t n;

		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		n = readlinkat(dirfd(dir), d->d_name, target, sizeof(target) - 1);
		if (n != (ssize_t)strlen("/dev/net/tun") || memcmp(target, "/dev/net/tun", n))
			continue;
		if (!fdinfo_iff(pid, d->d_name, name))
			continue;
		if (first) {
			first = false;
			nn_proc_comm(pid, h.comm, sizeof(h.comm), NULL);
			snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
			if (stat(path, &st) == 0)
				h.netns = st.st_ino;
			pidfd = pidfd_open(pid, 0);
		}
		h.ambiguous = false;
		tie(t, pidfd, atoi(d->d_name), name, &h);
	}
	closedir(dir);
}

/* any tun/tap link in the model? (no: the /proc fd scan would find nothing to tie) */
static bool any_tun(const struct nn_topo *t)
{
	for (size_t i = 0; i < t->n; i++)
		for (size_t k = 0; k < t->netns[i].nlinks; k++)
			if (!strcmp(t->netns[i].links[k].kind, "tun"))
				return true;
	return false;
}

void nn_topo_tun_holders(struct nn_topo *t)
{
	size_t unreadable = 0;
	struct dirent *d;
	DIR *proc;

	if (!any_tun(t))
		return;
	proc = opendir("/proc");
	if (!proc) {
		nn_topo_add_gap(t, errno, "tap holders: /proc");
		return;
	}
	while ((d = readdir(proc)))
		if (isdigit((unsigned char)d->d_name[0]))
			scan_pid(t, atoi(d->d_name), &unreadable);
	closedir(proc);
	if (unreadable)
		nn_topo_add_gap(t, EACCES, "tap holders: /proc/PID/fd of %zu processes", unreadable);
}
