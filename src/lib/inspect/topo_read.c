// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * topo_read.c - read the links, addresses and routes of every netns, and the nsids their
 * links use (see topo_internal.h nn_topo_read())
 *
 * Each netns is read on its own socket by the thread that made it (topo_sock.c), while
 * the other threads are still making theirs: one sendmsg of six requests (addresses and
 * routes of IPv4 and IPv6, the links, then the nsid of the initial netns there) and their
 * answers read with recvmmsg (nn_rtnl_batch()).  A socket no nsid map needs is closed
 * there and then.  Meanwhile one more thread asks the caller's nsid of every netns
 * (nn_discover_netnsids()), which only the nsid maps read, after the walk.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "rtnl.h"
#include "topo_internal.h"
#include "util.h"

#define REQ_BUF 64 /* one request: header, family header, one attribute */

/* The state of one nn_topo_read(), shared by the threads that read the netns. */
struct reading {
	struct nn_topo *t;
	struct nn_rtnl *socks;   /* open while the nsid map of that netns may need it */
	struct nn_err *oerr;     /* why no handle could be made of the socket (code 0: made) */
	int *errs;               /* positive errno of the requests, per netns */
	int32_t *hostid;         /* nsid of the initial netns inside each netns, -1: none */
	bool *hostok;            /* was that asked and answered with an nsid */
	ssize_t host;            /* index of the initial netns, -1 when not seen */
};

/* dump_req() - in @buf a dump request @type of @family (first byte of its @hdrlen header) */
static struct nlmsghdr *dump_req(char *buf, uint16_t type, size_t hdrlen, unsigned char family)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	unsigned char *h;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_DUMP;
	h = mnl_nlmsg_put_extra_header(nlh, hdrlen);
	h[0] = family; /* ifi_family, ifa_family, rtm_family: the first byte of each */
	return nlh;
}

static bool has_foreign_links(const struct nn_topo_netns *n)
{
	for (size_t i = 0; i < n->nlinks; i++)
		if (n->links[i].link_netnsid >= 0)
			return true;
	return false;
}

/* does a link of @n carry a netnsid other than @id? */
static bool uses_other_nsid(const struct nn_topo_netns *n, int32_t id)
{
	for (size_t k = 0; k < n->nlinks; k++)
		if (n->links[k].link_netnsid >= 0 && n->links[k].link_netnsid != id)
			return true;
	return false;
}

/*
 * read_netns() - links, then addresses (held until the links are in) and routes of
 * @r->t->netns[@i] on socket @s, with the nsid of the initial netns there, in one batch.
 * The order of the answers is that of one AF_UNSPEC dump after the other: IPv4 then IPv6
 * (rtnl_dump_all() walks the families in order), and the per-family dumps take no RTNL
 * (net/core/rtnetlink.c RTNL_FLAG_DUMP_UNLOCKED).  Return: 0 or a negative errno.
 */
static int read_netns(struct reading *r, size_t i, struct nn_rtnl *s, void *scratch)
{
	struct nn_topo_netns *n = &r->t->netns[i];
	char bufs[6][REQ_BUF] __attribute__((aligned(8)));
	struct nn_rtnl_req q[6] = {
		{ dump_req(bufs[0], RTM_GETADDR, sizeof(struct ifaddrmsg), AF_INET),
		  nn_topo_addr_cb, n, true, 0 },
		{ dump_req(bufs[1], RTM_GETADDR, sizeof(struct ifaddrmsg), AF_INET6),
		  nn_topo_addr_cb, n, true, 0 },
		{ dump_req(bufs[2], RTM_GETROUTE, sizeof(struct rtmsg), AF_INET), nn_topo_route_cb,
		  n, false, 0 },
		{ dump_req(bufs[3], RTM_GETROUTE, sizeof(struct rtmsg), AF_INET6),
		  nn_topo_route_cb, n, false, 0 },
	};
	size_t k = 5;
	int ret;

	q[4] = (struct nn_rtnl_req){ dump_req(bufs[4], RTM_GETLINK, sizeof(struct ifinfomsg),
					      AF_UNSPEC), nn_topo_link_cb, n, false, 0 };
	mnl_attr_put_u32(q[4].nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	/*
	 * After the links: the kernel gives the host an nsid in this netns when it first
	 * writes a link whose peer is there (rtnl_fill_link_netnsid() -> peernet2id_alloc()),
	 * and RTM_GETNSID only reads one (rtnl_net_getid() -> peernet2id()).  When the link
	 * dump runs on past sendmsg, the answer may still be -1: map_nsids() asks again.
	 */
	r->hostid[i] = -1;
	if (r->host >= 0 && (size_t)r->host != i && r->t->netns[r->host].ns->fd >= 0)
		q[k++] = (struct nn_rtnl_req){ nn_rtnl_netnsid_msg(bufs[5],
							r->t->netns[r->host].ns->fd),
					       nn_rtnl_netnsid_cb, &r->hostid[i], false, 0 };
	ret = nn_rtnl_batch(s, q, k, scratch, NN_RTNL_BATCH_SCRATCH);
	r->hostok[i] = !ret && k == 6 && q[5].ret == 0 && r->hostid[i] >= 0;
	for (size_t j = 0; j < k && !ret; j++)
		if (q[j].cb != nn_rtnl_netnsid_cb)
			ret = q[j].ret;
	if (ret < 0) {
		/* as when the dumps stopped at the first failure: no routes after it */
		free(n->routes);
		n->routes = NULL;
		n->nroutes = 0;
	}
	return ret;
}

/* got_socket() - nn_topo_open_socks()'s callback: read netns @i on socket @fd (taken) */
static void got_socket(void *arg, void *scratch, size_t i, int fd)
{
	struct reading *r = arg;
	struct nn_topo_netns *n = &r->t->netns[i];
	char label[32];
	int ret;

	snprintf(label, sizeof(label), "%llu", (unsigned long long)n->ns->id.ino);
	if (nn_rtnl_open_fd(&r->socks[i], fd, label, &r->oerr[i]) < 0)
		return;
	ret = read_netns(r, i, &r->socks[i], scratch);
	r->errs[i] = ret < 0 ? -ret : 0;
	/* the socket stays for map_nsids() only when an nsid is left to ask about */
	if (ret < 0 || !has_foreign_links(n) ||
	    (r->hostok[i] && !uses_other_nsid(n, r->hostid[i])))
		nn_rtnl_close(&r->socks[i]);
}

/* the caller's nsids of the netns, asked beside the walk (nn_discover_netnsids()) */
static void *ask_netnsids(void *table)
{
	nn_discover_netnsids(table);
	return NULL;
}

/* is netns @j already in @n's map? */
static bool nsid_lookup_ns(const struct nn_topo_netns *n, size_t j)
{
	for (size_t i = 0; i < n->nnsids; i++)
		if (n->nsids[i].ns == (ssize_t)j)
			return true;
	return false;
}

/* does a link of @n carry IFLA_LINK_NETNSID @id? */
static bool uses_nsid(const struct nn_topo_netns *n, int id)
{
	for (size_t k = 0; k < n->nlinks; k++)
		if (n->links[k].link_netnsid == id)
			return true;
	return false;
}

/* record nsid @id -> netns @j in @n if a link of @n uses @id; return true if recorded */
static bool learn_nsid(struct nn_topo_netns *n, int id, size_t j)
{
	struct nn_topo_nsid *x;

	if (id < 0 || !uses_nsid(n, id) || nn_topo_nsid_lookup(n, id) >= 0)
		return false;
	x = nn_topo_grow(&n->nsids, &n->nnsids, sizeof(*x));
	if (!x)
		return false;
	x->nsid = id;
	x->ns = (ssize_t)j;
	return true;
}

/*
 * Map the nsids used by @t->netns[@i]'s links to netns.  For the caller's own netns,
 * discovery already asked (nn_ns.netnsid); the rest are asked on @i's socket about other
 * netns (RTM_GETNSID with NETNSA_FD, nn_rtnl_netnsid()) until every one is known: first
 * the host (asked with the dumps, read_netns()), then netns with cross-netns links
 * themselves (a veth's two ends both carry a netnsid), then the rest.
 */
static void map_nsids(struct reading *r, size_t i, bool self)
{
	struct nn_topo *t = r->t;
	struct nn_topo_netns *n = &t->netns[i];
	struct nn_rtnl *s = &r->socks[i];
	size_t want = 0;

	for (size_t k = 0; k < n->nlinks; k++) {
		int id = n->links[k].link_netnsid;
		bool dup = false;

		for (size_t j = 0; j < k && !dup; j++)
			dup = n->links[j].link_netnsid == id;
		if (id >= 0 && !dup)
			want++;
	}
	for (size_t j = 0; self && j < t->n && n->nnsids < want; j++)
		if (j != i)
			learn_nsid(n, t->netns[j].ns->netnsid, j);
	for (int pass = 0; pass < 3 && n->nnsids < want; pass++) {
		for (size_t j = 0; j < t->n && n->nnsids < want; j++) {
			struct nn_topo_netns *m = &t->netns[j];
			bool foreign = m->read && has_foreign_links(m);
			int32_t id;

			if (j == i || m->ns->fd < 0 || nsid_lookup_ns(n, j) ||
			    (pass == 0 && !m->ns->initial) ||
			    (pass == 1 && (m->ns->initial || !foreign)) ||
			    (pass == 2 && (m->ns->initial || foreign)))
				continue;
			if ((ssize_t)j == r->host && r->hostok[i])
				learn_nsid(n, r->hostid[i], j);
			else if (s->nl && nn_rtnl_netnsid(s, m->ns->fd, &id, NULL) == 0)
				learn_nsid(n, id, j);
		}
	}
}

size_t nn_topo_read(struct nn_topo *t)
{
	_cleanup_free_ int *fds = calloc(t->n ? t->n : 1, sizeof(*fds));
	_cleanup_free_ int *fdsock = calloc(t->n ? t->n : 1, sizeof(*fdsock));
	_cleanup_free_ int *oserr = calloc(t->n ? t->n : 1, sizeof(*oserr));
	_cleanup_free_ uint64_t *userns = calloc(t->n ? t->n : 1, sizeof(*userns));
	_cleanup_free_ struct nn_rtnl *socks = calloc(t->n ? t->n : 1, sizeof(*socks));
	_cleanup_free_ struct nn_err *oerr = calloc(t->n ? t->n : 1, sizeof(*oerr));
	_cleanup_free_ int *errs = calloc(t->n ? t->n : 1, sizeof(*errs));
	_cleanup_free_ int32_t *hostid = calloc(t->n ? t->n : 1, sizeof(*hostid));
	_cleanup_free_ bool *hostok = calloc(t->n ? t->n : 1, sizeof(*hostok));
	struct reading r = { t, socks, oerr, errs, hostid, hostok, -1 };
	size_t nread = 0;
	ssize_t own = -1;
	struct stat self;
	pthread_t nsids;
	bool asking;

	if (!fds || !fdsock || !oserr || !userns || !socks || !oerr || !errs || !hostid ||
	    !hostok) {
		nn_topo_add_gap(t, ENOMEM, "read the network namespaces");
		return 0;
	}
	if (stat("/proc/thread-self/ns/net", &self) < 0)
		memset(&self, 0, sizeof(self));
	for (size_t i = 0; i < t->n; i++) {
		fds[i] = t->netns[i].ns->fd;
		userns[i] = t->netns[i].ns->userns;
		if (t->netns[i].ns->initial && r.host < 0)
			r.host = (ssize_t)i;
		if (t->netns[i].ns->id.ino == self.st_ino && t->netns[i].ns->id.dev == self.st_dev)
			own = (ssize_t)i;
	}
	/* one socket per netns, read by the thread that made it; the nsids meanwhile */
	nn_topo_reserve_fds(fds, t->n); /* its 16 spare fds hold the nsid socket */
	asking = pthread_create(&nsids, NULL, ask_netnsids, &t->table) == 0;
	nn_topo_open_socks(fds, userns, t->n, own, fdsock, oserr, got_socket, &r);
	if (asking)
		pthread_join(nsids, NULL);
	else
		nn_discover_netnsids(&t->table);
	for (size_t i = 0; i < t->n; i++) {
		t->netns[i].ns->userns = userns[i];
		if (fdsock[i] < 0)
			nn_topo_add_gap(t, oserr[i], "netns %llu (owned by user ns %llu): open "
					"netlink socket inside",
					(unsigned long long)t->netns[i].ns->id.ino,
					(unsigned long long)t->netns[i].ns->userns);
		else if (oerr[i].code)
			nn_topo_add_gap(t, oerr[i].code, "%s", oerr[i].msg);
		else if (errs[i])
			nn_topo_add_gap(t, errs[i], "netns %llu: rtnetlink dump",
					(unsigned long long)t->netns[i].ns->id.ino);
		else
			nread++;
		t->netns[i].read = fdsock[i] >= 0 && !oerr[i].code && !errs[i];
	}
	for (size_t i = 0; i < t->n; i++)
		if (t->netns[i].read && has_foreign_links(&t->netns[i]))
			map_nsids(&r, i, (ssize_t)i == own);
	for (size_t i = 0; i < t->n; i++)
		nn_rtnl_close(&socks[i]);
	return nread;
}
