/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_TOPO_H
#define NN_TOPO_H

/*
 * The topology model: every network namespace nn_discover() finds, with its links,
 * addresses and main-table routes read by rtnetlink from a socket opened inside it;
 * veth pairs resolved through each netns's nsid map; bridge ports; tap devices tied to
 * the processes holding them; and a role for each netns (docs/facts-netns.md#veth-peers,
 * #netlink-sockets-in-a-netns, #bridges, #tap-holders).  Rendered by topo_render.c as text,
 * JSON, DOT.
 */

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "discover.h"
#include "err.h"

struct nn_out;

enum nn_topo_role {
	NN_ROLE_NETNS,        /* nothing more is known */
	NN_ROLE_HOST,         /* the initial netns */
	NN_ROLE_RK_CHILD,     /* RootlessKit child / detached netns */
	NN_ROLE_ENGINE_NETNS, /* holds a tap whose holder is slirp4netns or pasta */
	NN_ROLE_NEST,         /* a netnest nest's detached netns */
	NN_ROLE_SANDBOX,      /* a netnest sandbox */
	NN_ROLE_NEST_POOL,    /* made ahead by a nest for its next sandbox (pool.h) */
	NN_ROLE_PODMAN,       /* Podman's rootless-netns */
	NN_ROLE_CONTAINER,    /* default route through a veth whose peer is a bridge port */
};

struct nn_topo_addr {
	int family;                    /* AF_INET or AF_INET6 */
	char local[INET6_ADDRSTRLEN];  /* IFA_LOCAL (else IFA_ADDRESS), text */
	unsigned prefixlen;
};

/* A process holding a tap/tun fd (drivers/net/tun.c tun_chr_show_fdinfo "iff:"). */
struct nn_topo_holder {
	pid_t pid;
	char comm[16];
	uint64_t netns;   /* inode of the holder's own netns, 0 if unreadable */
	bool ambiguous;   /* matched by name only: TUNGETDEVNETNS was not possible */
};

struct nn_topo_link {
	int ifindex;
	char ifname[IF_NAMESIZE];
	char kind[16];        /* IFLA_INFO_KIND: "veth", "bridge", "tun", "" (physical/lo) */
	unsigned short type;  /* ifi_type, ARPHRD_* (if_arp.h): link_type in ip -j */
	char slave_kind[16];  /* IFLA_INFO_SLAVE_KIND: "bridge" for a bridge port */
	char operstate[16];   /* "UP", "DOWN", "UNKNOWN", ... as ip -j prints */
	unsigned mtu;
	char address[18];     /* MAC, "" if none */
	int master;           /* IFLA_MASTER ifindex in the same netns, 0 if none */
	int link;             /* IFLA_LINK, 0 if absent */
	int link_netnsid;     /* IFLA_LINK_NETNSID (relative to this netns), -1 if absent */
	int tun_type;         /* IFLA_TUN_TYPE: 1 IFF_TUN, 2 IFF_TAP, 0 not a tun */
	struct nn_topo_addr *addrs;
	size_t naddrs;
	/* resolved veth peer: peer_ns < 0 when not a veth or not resolved; when the peer's
	 * netns could not be read, peer_ns/peer_ifindex are set but no link is there */
	ssize_t peer_ns;      /* index into nn_topo.netns */
	int peer_ifindex;
	bool peer_symmetric;  /* the peer's peer is this link */
	struct nn_topo_holder *holders;
	size_t nholders;
};

struct nn_topo_route {
	int family;
	char dst[INET6_ADDRSTRLEN + 4]; /* "default" or "10.4.0.0/24" */
	char gateway[INET6_ADDRSTRLEN]; /* "" if none */
	char prefsrc[INET6_ADDRSTRLEN]; /* "" if none */
	int oif;                        /* ifindex, 0 if none */
};

struct nn_topo_nsid {
	int nsid;      /* as seen from the owning netns */
	ssize_t ns;    /* index into nn_topo.netns */
};

struct nn_topo_netns {
	struct nn_ns *ns;             /* entry of nn_topo.table (pids, names, pinned fd) */
	enum nn_topo_role role;
	char label[96];               /* "nest default", "sandbox web", "rootlesskit child" */
	bool read;                    /* links/addresses/routes were read */
	struct nn_topo_link *links;
	size_t nlinks;
	struct nn_topo_route *routes;
	size_t nroutes;
	struct nn_topo_nsid *nsids;   /* nsid -> netns, only those this netns's links use */
	size_t nnsids;
};

struct nn_topo {
	struct nn_ns_table table;
	struct nn_topo_netns *netns;
	size_t n;
	struct nn_gap *gaps;          /* what could not be read (topo's own; table has more) */
	size_t ngaps;
};

#define NN_TOPO_HOLDERS 1u /* nn_topo_build() flag: also find tap holders */

/**
 * nn_topo_build() - discover every netns and read how they are wired
 * @t:     model to fill (zeroed by the caller); free with nn_topo_free()
 * @flags: NN_TOPO_HOLDERS to tie taps to processes (a /proc fd scan), or 0
 * @err:   error object
 *
 * Discovers network namespaces (nn_discover()), opens one NETLINK_ROUTE socket inside
 * each (nn_topo_open_socks()), dumps links, addresses and main-table routes (rtnetlink(7)),
 * resolves veth peers as (IFLA_LINK_NETNSID -> netns by RTM_GETNSID with NETNSA_FD,
 * IFLA_LINK -> ifindex) (net/core/net_namespace.c rtnl_net_getid, drivers/net/veth.c
 * veth_get_link_net), ties taps to their holders (nn_topo_tun_holders()) and assigns
 * roles (each step: topo_internal.h).  What cannot be read becomes a gap, not an error.
 * Return: 0, or a negative errno when nothing at all could be read (-EACCES when netns were
 * found but none could be read).
 */
int nn_topo_build(struct nn_topo *t, unsigned flags, struct nn_err *err);

/** nn_topo_free() - free @t and close its sockets and pinned fds */
void nn_topo_free(struct nn_topo *t);

/**
 * nn_topo_find_ns() - the model index of the netns with identity @id
 * @t:  the model
 * @id: nsfs identity
 * Return: index into @t->netns, or -1 if @id was not discovered.
 */
ssize_t nn_topo_find_ns(const struct nn_topo *t, struct nn_nsid id);

/**
 * nn_topo_link_in() - link @ifname (or, if @ifname is NULL, @ifindex) of netns @n
 * @n:       netns of the model
 * @ifname:  interface name, or NULL to match by @ifindex
 * @ifindex: ifindex inside @n (used only when @ifname is NULL)
 * Return: the link (owned by the model), or NULL.
 */
struct nn_topo_link *nn_topo_link_in(const struct nn_topo_netns *n, const char *ifname,
				     int ifindex);

/**
 * nn_topo_find_link() - link @ifname (or, if @ifname is NULL, @ifindex) in netns @ns
 * @t:       the model
 * @ns:      index into @t->netns
 * @ifname:  interface name, or NULL to match by @ifindex
 * @ifindex: ifindex inside that netns (used only when @ifname is NULL)
 * Return: the link (owned by the model), or NULL, also when @ns is out of range.
 */
struct nn_topo_link *nn_topo_find_link(const struct nn_topo *t, size_t ns, const char *ifname,
				       int ifindex);

/** nn_topo_role_name() - "host", "rootlesskit-child", "sandbox", ... */
const char *nn_topo_role_name(enum nn_topo_role r);

/**
 * nn_topo_render() - print @t as text (the chains, then per-netns detail) or JSON
 * @t: model
 * @o: printer (text or JSON, out.h); JSON keys follow ip -j where they overlap
 */
void nn_topo_render(const struct nn_topo *t, struct nn_out *o);

/**
 * nn_topo_render_dot() - print @t as a Graphviz digraph: a cluster per netns, edges for
 * veth pairs, bridge ports and tap holders
 * @t: model
 * @f: stream (not owned)
 * Return: 0, or -EIO if writing failed.
 */
int nn_topo_render_dot(const struct nn_topo *t, FILE *f);

#endif
