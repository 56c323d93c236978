// SPDX-License-Identifier: GPL-2.0-or-later
/* topo_tun.c - which processes hold which tap/tun device (see topo.h) */
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

/* tie fd @fd of @pid (a /dev/net/tun seen by discovery) to its link; @pidfd, @h: this pid's */
static void scan_fd(struct nn_topo *t, pid_t pid, int fd, int *pidfd, struct nn_topo_holder *h)
{
	char path[64], fdname[16], name[IF_NAMESIZE];
	struct stat st;

	snprintf(fdname, sizeof(fdname), "%d", fd);
	if (!fdinfo_iff(pid, fdname, name))
		return;
	if (h->pid != pid) {
		if (*pidfd >= 0)
			close(*pidfd);
		*h = (struct nn_topo_holder){ .pid = pid };
		nn_proc_comm(pid, h->comm, sizeof(h->comm), NULL);
		snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
		if (stat(path, &st) == 0)
			h->netns = st.st_ino;
		*pidfd = pidfd_open(pid, 0);
	}
	h->ambiguous = false;
	tie(t, *pidfd, fd, name, h);
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
	const struct nn_ns_table *tab = &t->table;
	struct nn_topo_holder h = { .pid = 0 };
	_cleanup_close_ int pidfd = -1;

	if (!any_tun(t))
		return;
	for (size_t i = 0; i < tab->ntun_fds; i++)
		scan_fd(t, tab->tun_fds[i].pid, tab->tun_fds[i].fd, &pidfd, &h);
	if (tab->fd_unreadable)
		nn_topo_add_gap(t, EACCES, "tap holders: /proc/PID/fd of %zu processes",
				tab->fd_unreadable);
}
