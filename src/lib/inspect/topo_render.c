// SPDX-License-Identifier: GPL-2.0-or-later
/* topo_render.c - the topology model as text, JSON (out.h) and Graphviz DOT */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if_arp.h>
#include <string.h>

#include "out.h"
#include "topo_internal.h"

#define TEXT_PIDS 8    /* pids shown per netns in text; JSON has them all */
#define CHAIN_MAX 24   /* hops in one chain, against loops */
#define TEXT_GAPS 6    /* gaps listed in text; JSON has them all */

static unsigned long long ino(const struct nn_topo_netns *n)
{
	return (unsigned long long)n->ns->id.ino;
}

static const struct nn_topo_netns *ns_by_ino(const struct nn_topo *t, uint64_t i)
{
	for (size_t k = 0; k < t->n; k++)
		if (t->netns[k].ns->id.ino == i)
			return &t->netns[k];
	return NULL;
}


static void text_pids(struct nn_out *o, const struct nn_ns *ns)
{
	for (size_t i = 0; i < ns->npids && i < TEXT_PIDS; i++)
		nn_out_text(o, "%s%d", i ? " " : "", (int)ns->pids[i]);
	if (ns->npids > TEXT_PIDS)
		nn_out_text(o, " (+%zu)", ns->npids - TEXT_PIDS);
}

/* --- the chains: from a container out to whatever carries its traffic --- */

struct hop {
	const struct nn_topo_netns *ns;
	const struct nn_topo_link *link;
};

/* hops from container @c outwards; the last hop may be a tap with holders */
static size_t walk(const struct nn_topo *t, const struct nn_topo_netns *c, struct hop *h)
{
	const struct nn_topo_link *l = nn_topo_default_link(c), *p, *br;
	const struct nn_topo_netns *n = c;
	size_t k = 0;

	while (l && k + 3 < CHAIN_MAX) {
		h[k++] = (struct hop){ .ns = n, .link = l };
		if (l->peer_ns < 0)
			break;
		n = &t->netns[l->peer_ns];
		p = nn_topo_link_in(n, NULL, l->peer_ifindex);
		if (!p)
			break; /* that netns could not be read */
		h[k++] = (struct hop){ .ns = n, .link = p };
		br = p->master ? nn_topo_link_in(n, NULL, p->master) : NULL;
		l = nn_topo_default_link(n);
		if (br && br != l)
			h[k++] = (struct hop){ .ns = n, .link = br };
		if (l == p || l == br)
			break;
	}
	return k;
}

/*
 * shown_addr() - is @a one to draw on a chain or a DOT node: IPv4, and IPv6 but for the
 * link-local fe80::/10 every IPv6 link has (RFC 4291 section 2.5.6)
 */
static bool shown_addr(const struct nn_topo_addr *a)
{
	struct in6_addr x;

	if (a->family == AF_INET)
		return true;
	return inet_pton(AF_INET6, a->local, &x) == 1 && !IN6_IS_ADDR_LINKLOCAL(&x);
}

/* one hop: ifname (and, in text, its IPv4 and IPv6 addresses and, on the first hop of a
 * netns, the netns with its label and pids) */
static void render_hop(struct nn_out *o, const struct hop *h, bool first_in_ns)
{
	nn_out_open_object(o, NULL);
	nn_out_uint(o, "ns", NULL, ino(h->ns));
	nn_out_string(o, "ifname", "%s", h->link->ifname);
	nn_out_uint(o, "ifindex", NULL, (uint64_t)h->link->ifindex);
	for (size_t a = 0; a < h->link->naddrs; a++)
		if (shown_addr(&h->link->addrs[a]))
			nn_out_text(o, " %s/%u", h->link->addrs[a].local, h->link->addrs[a].prefixlen);
	if (first_in_ns) {
		nn_out_text(o, " (netns %llu %s", ino(h->ns), h->ns->label);
		if (h->ns->ns->npids && h->ns->role != NN_ROLE_HOST) {
			nn_out_text(o, ", pids ");
			text_pids(o, h->ns->ns);
		}
		nn_out_text(o, ")");
	}
	nn_out_close(o);
}

/*
 * The chain of container @c (or of a nest or RootlessKit child that ends one), outermost
 * first: in text the seed's line
 * "host -> slirp4netns[12] -> tap0 ... -> eth0 10.4.0.9/24 (netns ..., pids ...)",
 * in JSON {"ns", "holders": [{"comm", "pid", "ambiguous"}], "hops": [{"ns", "ifname",
 * "ifindex"}]}.  Return: true if drawn, false when @c has no default route to start from.
 */
static bool render_chain(struct nn_out *o, const struct nn_topo *t, const struct nn_topo_netns *c)
{
	struct hop h[CHAIN_MAX];
	size_t k = walk(t, c, h);
	const struct nn_topo_link *outer;

	if (!k)
		return false;
	outer = h[k - 1].link;
	nn_out_open_object(o, NULL);
	nn_out_uint(o, "ns", NULL, ino(c));
	nn_out_open_array(o, "holders");
	for (size_t i = 0; i < outer->nholders; i++) {
		const struct nn_topo_holder *x = &outer->holders[i];
		const struct nn_topo_netns *hn = ns_by_ino(t, x->netns);

		if (i == 0)
			nn_out_text(o, "%s -> ", hn ? hn->label : "?");
		nn_out_open_object(o, NULL);
		nn_out_string(o, "comm", i ? ",%s" : "%s", x->comm);
		nn_out_uint(o, "pid", "[%" PRIu64 "]", (uint64_t)x->pid);
		nn_out_bool(o, "ambiguous", x->ambiguous ? "(ambiguous)" : NULL, x->ambiguous);
		nn_out_close(o);
		if (i + 1 == outer->nholders)
			nn_out_text(o, " -> ");
	}
	nn_out_close(o);
	nn_out_open_array(o, "hops");
	for (size_t i = k; i-- > 0;) {
		if (i + 1 < k)
			nn_out_text(o, " -> ");
		/* the netns is named on its first hop, as the seed writes the chain */
		render_hop(o, &h[i], i + 1 == k || h[i + 1].ns != h[i].ns);
	}
	nn_out_close(o);
	nn_out_text(o, "\n");
	nn_out_close(o);
	return true;
}

/* --- per-netns detail, one call per field for text and JSON --- */

/* ip -j's link_type names of the common ARPHRD_* (iproute2 lib/ll_types.c) */
static const char *link_type(unsigned short type)
{
	switch (type) {
	case ARPHRD_ETHER: return "ether";
	case ARPHRD_LOOPBACK: return "loopback";
	case ARPHRD_NONE: return "none";
	case ARPHRD_VOID: return "void";
	default: return "other";
	}
}

static void render_link(struct nn_out *o, const struct nn_topo *t, const struct nn_topo_netns *n,
			const struct nn_topo_link *l)
{
	const struct nn_topo_link *m = l->master ? nn_topo_link_in(n, NULL, l->master) : NULL;

	nn_out_open_object(o, NULL);
	nn_out_uint(o, "ifindex", "  %" PRIu64 ": ", (uint64_t)l->ifindex);
	nn_out_string(o, "ifname", "%s", l->ifname);
	nn_out_string(o, "link_type", NULL, link_type(l->type));
	if (*l->kind) {
		nn_out_string(o, "kind", " %s", l->kind);
	} else {
		nn_out_null(o, "kind", NULL);
		nn_out_text(o, " %s", link_type(l->type));
	}
	if (l->tun_type)
		nn_out_string(o, "tun_type", "/%s", l->tun_type == 2 ? "tap" : "tun");
	nn_out_string(o, "operstate", " %s", l->operstate);
	nn_out_uint(o, "mtu", " mtu %" PRIu64, l->mtu);
	if (*l->address)
		nn_out_string(o, "address", " %s", l->address);
	nn_out_open_array(o, "addr_info");
	for (size_t a = 0; a < l->naddrs; a++) {
		nn_out_open_object(o, NULL);
		nn_out_string(o, "family", NULL, l->addrs[a].family == AF_INET ? "inet" : "inet6");
		nn_out_string(o, "local", " %s", l->addrs[a].local);
		nn_out_uint(o, "prefixlen", "/%" PRIu64, l->addrs[a].prefixlen);
		nn_out_close(o);
	}
	nn_out_close(o);
	if (m)
		nn_out_string(o, "master", " master %s", m->ifname);
	if (l->link)
		nn_out_uint(o, "link_index", NULL, (uint64_t)l->link);
	if (l->link_netnsid >= 0)
		nn_out_int(o, "link_netnsid", " link-netnsid %" PRId64, l->link_netnsid);
	if (l->peer_ns >= 0) {
		const struct nn_topo_netns *pn = &t->netns[l->peer_ns];
		const struct nn_topo_link *p = nn_topo_link_in(pn, NULL, l->peer_ifindex);

		nn_out_open_object(o, "peer");
		nn_out_string(o, "ifname", " peer %s", p ? p->ifname : NULL);
		nn_out_uint(o, "ifindex", "(%" PRIu64 ")", (uint64_t)l->peer_ifindex);
		nn_out_uint(o, "ns", " in netns %" PRIu64, pn->ns->id.ino);
		nn_out_bool(o, "symmetric", NULL, l->peer_symmetric);
		if (!pn->read)
			nn_out_text(o, " (netns not readable)");
		else if (!l->peer_symmetric)
			nn_out_text(o, " (one-sided)");
		nn_out_close(o);
	}
	if (l->nholders) {
		nn_out_text(o, " held by");
		nn_out_open_array(o, "holders");
		for (size_t h = 0; h < l->nholders; h++) {
			nn_out_open_object(o, NULL);
			nn_out_string(o, "comm", " %s", l->holders[h].comm);
			nn_out_uint(o, "pid", "[%" PRIu64 "]", (uint64_t)l->holders[h].pid);
			nn_out_uint(o, "netns", NULL, l->holders[h].netns);
			nn_out_bool(o, "ambiguous", NULL, l->holders[h].ambiguous);
			if (l->holders[h].ambiguous)
				nn_out_text(o, "(ambiguous: matched by name)");
			nn_out_close(o);
		}
		nn_out_close(o);
	}
	nn_out_text(o, "\n");
	nn_out_close(o);
}

static void render_netns(struct nn_out *o, const struct nn_topo *t, const struct nn_topo_netns *n)
{
	nn_out_open_object(o, NULL);
	nn_out_uint(o, "ns", "netns %" PRIu64, n->ns->id.ino);
	nn_out_string(o, "role", NULL, nn_topo_role_name(n->role));
	nn_out_string(o, "label", " %s", n->label);
	nn_out_open_array(o, "pids");
	for (size_t i = 0; i < n->ns->npids; i++)
		nn_out_int(o, "pid", NULL, n->ns->pids[i]); /* in an array: key unused */
	nn_out_close(o);
	if (n->ns->npids) {
		nn_out_text(o, "  pids ");
		text_pids(o, n->ns);
	}
	nn_out_open_array(o, "names");
	for (size_t i = 0; i < n->ns->nnames; i++)
		nn_out_string(o, "name", i ? ",%s" : "  names %s", n->ns->names[i]);
	nn_out_close(o);
	nn_out_bool(o, "read", n->read ? NULL : "  (not readable, see gaps)", n->read);
	nn_out_text(o, "\n");
	nn_out_open_array(o, "netnsids");
	for (size_t i = 0; i < n->nnsids; i++) {
		nn_out_open_object(o, NULL);
		nn_out_int(o, "nsid", NULL, n->nsids[i].nsid);
		nn_out_uint(o, "ns", NULL, t->netns[n->nsids[i].ns].ns->id.ino);
		nn_out_close(o);
	}
	nn_out_close(o);
	nn_out_open_array(o, "interfaces");
	for (size_t i = 0; i < n->nlinks; i++)
		render_link(o, t, n, &n->links[i]);
	nn_out_close(o);
	nn_out_open_array(o, "routes");
	for (size_t i = 0; i < n->nroutes; i++) {
		const struct nn_topo_route *r = &n->routes[i];
		const struct nn_topo_link *d = nn_topo_link_in(n, NULL, r->oif);

		nn_out_open_object(o, NULL);
		nn_out_string(o, "dst", "  route %s", r->dst);
		if (*r->gateway)
			nn_out_string(o, "gateway", " via %s", r->gateway);
		if (d)
			nn_out_string(o, "dev", " dev %s", d->ifname);
		if (*r->prefsrc)
			nn_out_string(o, "prefsrc", " src %s", r->prefsrc);
		nn_out_text(o, "\n");
		nn_out_close(o);
	}
	nn_out_close(o);
	nn_out_close(o);
}

/* a chain starts at a container or sandbox */
static bool starts_chain(const struct nn_topo_netns *n)
{
	return n->role == NN_ROLE_CONTAINER || n->role == NN_ROLE_SANDBOX;
}

/*
 * Does a nest or a RootlessKit child get a chain of its own?  Yes when no container's or
 * sandbox's chain passes through it: then it is where the work runs (`netnest up` with no
 * sandbox yet, the command of `netnest rootlesskit` or of RootlessKit).
 */
static bool ends_chain(const struct nn_topo *t, size_t i)
{
	struct hop h[CHAIN_MAX];

	if (t->netns[i].role != NN_ROLE_NEST && t->netns[i].role != NN_ROLE_RK_CHILD)
		return false;
	for (size_t c = 0; c < t->n; c++) {
		size_t k = starts_chain(&t->netns[c]) ? walk(t, &t->netns[c], h) : 0;

		for (size_t j = 0; j < k; j++)
			if (h[j].ns == &t->netns[i])
				return false;
	}
	return true;
}

void nn_topo_render(const struct nn_topo *t, struct nn_out *o)
{
	bool any = false;
	size_t ngaps;

	nn_out_open_array(o, "chains");
	for (size_t i = 0; i < t->n; i++) {
		if (starts_chain(&t->netns[i])) {
			render_chain(o, t, &t->netns[i]);
			any = true;
		} else if (ends_chain(t, i)) {
			any |= render_chain(o, t, &t->netns[i]);
		}
	}
	nn_out_close(o);
	if (any)
		nn_out_text(o, "\n");
	nn_out_open_array(o, "netns");
	for (size_t i = 0; i < t->n; i++) {
		render_netns(o, t, &t->netns[i]);
		nn_out_text(o, "\n");
	}
	nn_out_close(o);
	ngaps = t->table.ngaps + t->ngaps;
	nn_out_open_array(o, "gaps");
	for (size_t g = 0; g < ngaps; g++) {
		const struct nn_gap *x = g < t->table.ngaps ? &t->table.gaps[g]
							    : &t->gaps[g - t->table.ngaps];
		bool shown = g < TEXT_GAPS;

		nn_out_open_object(o, NULL);
		nn_out_string(o, "what", shown ? "not covered: %s" : NULL, x->what);
		nn_out_string(o, "error", shown ? ": %s\n" : NULL, strerror(x->code));
		nn_out_close(o);
	}
	nn_out_close(o);
	if (ngaps > TEXT_GAPS)
		nn_out_text(o, "not covered: %zu more (--json lists them all)\n", ngaps - TEXT_GAPS);
}

/* --- Graphviz --- */

/*
 * dot_str() - @s inside a DOT quoted string: '"' and '\' escaped, a newline as the label
 * escape "\n" (Graphviz's "ID" grammar and escString).  An interface name may hold '"'
 * and '\' (net/core/dev.c dev_valid_name refuses only '/', ':' and blanks), and a comm
 * anything.
 */
static void dot_str(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

int nn_topo_render_dot(const struct nn_topo *t, FILE *f)
{
	fprintf(f, "digraph netnest {\n  rankdir=LR;\n  node [shape=box, fontsize=10];\n");
	for (size_t i = 0; i < t->n; i++) {
		const struct nn_topo_netns *n = &t->netns[i];

		fprintf(f, "  subgraph cluster_%llu {\n    label=\"netns %llu\\n", ino(n), ino(n));
		dot_str(f, n->label);
		fprintf(f, "\";\n");
		for (size_t k = 0; k < n->nlinks; k++) {
			const struct nn_topo_link *l = &n->links[k];

			fprintf(f, "    \"%llu_%d\" [label=\"", ino(n), l->ifindex);
			dot_str(f, l->ifname);
			for (size_t a = 0; a < l->naddrs; a++)
				if (shown_addr(&l->addrs[a]))
					fprintf(f, "\\n%s/%u", l->addrs[a].local, l->addrs[a].prefixlen);
			fprintf(f, "\"];\n");
		}
		fprintf(f, "  }\n");
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct nn_topo_netns *n = &t->netns[i];

		for (size_t k = 0; k < n->nlinks; k++) {
			const struct nn_topo_link *l = &n->links[k];
			unsigned long long pi;

			if (l->master)
				fprintf(f, "  \"%llu_%d\" -> \"%llu_%d\" [label=port];\n", ino(n),
					l->ifindex, ino(n), l->master);
			/* each pair once: from the end with the smaller (netns, ifindex) */
			pi = l->peer_ns >= 0 ? ino(&t->netns[l->peer_ns]) : 0;
			if (l->peer_ns >= 0 && (pi > ino(n) || (pi == ino(n) &&
							       l->peer_ifindex > l->ifindex)))
				fprintf(f, "  \"%llu_%d\" -> \"%llu_%d\" [dir=both, label=veth];\n",
					ino(n), l->ifindex, pi, l->peer_ifindex);
			for (size_t h = 0; h < l->nholders; h++) {
				fprintf(f, "  \"pid%d\" [shape=ellipse, label=\"",
					(int)l->holders[h].pid);
				dot_str(f, l->holders[h].comm);
				fprintf(f, "[%d]\"];\n", (int)l->holders[h].pid);
				fprintf(f, "  \"pid%d\" -> \"%llu_%d\" [label=\"tap fd%s\"];\n",
					(int)l->holders[h].pid, ino(n), l->ifindex,
					l->holders[h].ambiguous ? " (ambiguous)" : "");
			}
		}
	}
	fprintf(f, "}\n");
	return fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
}
