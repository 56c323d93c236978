/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_RTNL_H
#define NN_RTNL_H

/*
 * rtnetlink with libmnl: the one owner of every NETLINK_ROUTE socket in netnest, in the
 * manner of passt's netlink.c (nl_sock_init, nl_send, nl_status, nl_next).  A socket is
 * opened here, in a netns, or wrapped from an fd made elsewhere; it stays in the netns it
 * was created in (open it after setns(2), rtnetlink(7)).  On it: dumps, requests answered
 * by an ack, and nsid queries.  Interfaces are named by ifname inside that netns.
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct mnl_socket;
struct nlmsghdr;

struct nn_rtnl {
	struct mnl_socket *nl;
	unsigned int seq;
	unsigned int portid;
	char label[64]; /* the netns, for messages ("nest default", "sandbox web") */
};

/**
 * nn_netns_call() - run @fn in a short-lived thread that has entered @netns_fd
 * @netns_fd: netns to enter (nsfs fd), or -1 to stay (then @fn may unshare(CLONE_NEWNET))
 * @label:    that netns, for the message when setns(2) fails
 * @fn:       work to do there; fds it opens belong to the whole process
 * @arg:      passed to @fn
 * @err:      error object, filled by @fn or by the setns
 *
 * setns(2) changes only the calling thread's netns; a process in a user namespace may
 * enter a netns its userns owns but never return to the host's (no CAP_SYS_ADMIN there),
 * so the way back is the thread's end.  Sockets made in @fn stay bound to @netns_fd.
 * Return: @fn's return value, or the negative errno of pthread_create(3)/setns(2).
 */
int nn_netns_call(int netns_fd, const char *label, int (*fn)(void *arg, struct nn_err *err),
		  void *arg, struct nn_err *err);

/**
 * nn_rtnl_open() - open a NETLINK_ROUTE socket inside @netns_fd
 * @r:        handle to fill
 * @netns_fd: netns to bind to (an nsfs fd), or -1 for the caller's netns
 * @label:    name of that netns for error messages (copied)
 * @err:      error object
 *
 * Creates the socket in a thread that entered @netns_fd (nn_netns_call()), so it also
 * works from inside a user namespace whose process cannot return to the host netns.
 * Return: 0, or the negative errno of setns(2)/socket(2).
 */
int nn_rtnl_open(struct nn_rtnl *r, int netns_fd, const char *label, struct nn_err *err);

/**
 * nn_rtnl_socket() - a NETLINK_ROUTE socket in the calling thread's netns, not bound
 *
 * socket(2) and nothing else, so a thread that has just entered a netns, or a child
 * forked into a user namespace, can make one and pass it on (see nn_rtnl_open_fd()).
 * Return: the fd (SOCK_CLOEXEC; the caller closes it), or the negative errno of socket(2).
 */
int nn_rtnl_socket(void);

/**
 * nn_rtnl_open_fd() - make @fd, a socket from nn_rtnl_socket(), a bound handle
 * @r:     handle to fill
 * @fd:    NETLINK_ROUTE socket, taken: closed here on failure, by nn_rtnl_close() after
 * @label: name of its netns for error messages (copied)
 * @err:   error object
 * Return: 0, or the negative errno of bind(2) (or -ENOMEM).
 */
int nn_rtnl_open_fd(struct nn_rtnl *r, int fd, const char *label, struct nn_err *err);

/** nn_rtnl_close() - close @r (idempotent; @r itself is the caller's) */
void nn_rtnl_close(struct nn_rtnl *r);

/** nn_rtnl_fd() - the socket of @r, to poll(2) (still @r's) */
int nn_rtnl_fd(const struct nn_rtnl *r);

/**
 * nn_rtnl_watch_links() - have @r receive the link notifications of its netns
 * @r:   an open handle, used for nothing else (notifications would mix with replies)
 * @err: error object
 *
 * Joins RTNLGRP_LINK (rtnetlink(7)) and asks for a 1 MiB receive buffer (the kernel caps
 * it at net.core.rmem_max).  Read them with nn_rtnl_gone_links() when the socket polls
 * readable.
 * Return: 0, or the negative errno of setsockopt(2).
 */
int nn_rtnl_watch_links(struct nn_rtnl *r, struct nn_err *err);

/**
 * nn_rtnl_gone_links() - read every notification waiting on @r, without blocking
 * @r:    a handle after nn_rtnl_watch_links()
 * @gone: called with the name of each link deleted (RTM_DELLINK) in @r's netns
 * @arg:  passed to @gone
 *
 * Return: 0 once none is left; -ENOBUFS when the kernel dropped some (the buffer was
 * full: the caller must look for itself what it waited for); other negative errno of
 * recv(2).
 */
int nn_rtnl_gone_links(struct nn_rtnl *r, void (*gone)(const char *ifname, void *arg), void *arg);

/**
 * nn_rtnl_dump() - send the dump request @nlh and run @cb on every message of the answer
 * @r:    socket from nn_rtnl_open() or nn_rtnl_open_fd()
 * @nlh:  request: type and family header filled by the caller; NLM_F_REQUEST | NLM_F_DUMP
 *        and the sequence number are set here
 * @cb:   called for each data message (an mnl_cb_t); MNL_CB_ERROR stops the dump
 * @data: passed to @cb
 * @err:  error object (may be NULL)
 *
 * Reads until NLMSG_DONE into a 64 KiB heap buffer (a dump batches many messages per
 * datagram, rtnetlink(7)).  Thread-safe for different @r.
 * Return: 0, or the negative errno of the socket or of the kernel's answer (-ENOMEM also
 * when @cb failed for want of memory).
 */
int nn_rtnl_dump(struct nn_rtnl *r, struct nlmsghdr *nlh,
		 int (*cb)(const struct nlmsghdr *nlh, void *data), void *data,
		 struct nn_err *err);

/**
 * nn_rtnl_run() - run @cb on each message of one datagram of answers (mnl_cb_run()), once
 * every message's length is known to lie inside it
 * @buf:    the datagram, aligned for struct nlmsghdr
 * @len:    its length in bytes
 * @seq:    sequence number the messages must carry, 0 for any
 * @portid: port id they must carry, 0 for any
 * @cb:     called for each data message (an mnl_cb_t); NLMSG_DONE and errors end the run
 * @data:   passed to @cb
 *
 * libmnl 1.0.4's mnl_nlmsg_ok() compares nlmsg_len as an int, so a length of 2 GiB or
 * more passes and its walk leaves the buffer.  The bytes are not only the kernel's: a
 * process with CAP_NET_ADMIN over a netns may send to a socket in it (netlink(7)), and
 * nn_topo_build() reads sockets in every netns, whoever owns it.  So a datagram in which
 * a message is shorter than its header or longer than what is left is refused whole.
 * Return: MNL_CB_OK, MNL_CB_STOP or MNL_CB_ERROR as mnl_cb_run() (errno set with
 * MNL_CB_ERROR: EBADMSG for a bad length, ESRCH/EPROTO for a wrong seq/portid, the
 * kernel's errno for an NLMSG_ERROR).
 */
int nn_rtnl_run(const void *buf, size_t len, unsigned seq, unsigned portid,
		int (*cb)(const struct nlmsghdr *nlh, void *data), void *data);

/**
 * nn_rtnl_netnsid() - the nsid netns @nsfd has in the netns of @r (RTM_GETNSID, NETNSA_FD)
 * @r:     socket from nn_rtnl_open() or nn_rtnl_open_fd(); its netns is the observer
 * @nsfd:  pinned net nsfs fd of the netns asked about
 * @nsid:  filled with the nsid, or -1 when none is assigned (peernet2id never allocates;
 *         net/core/net_namespace.c rtnl_net_getid)
 * @err:   error object (may be NULL)
 * Return: 0, or the negative errno of the request.
 */
int nn_rtnl_netnsid(struct nn_rtnl *r, int nsfd, int32_t *nsid, struct nn_err *err);

/* room for one RTM_GETNSID request (nn_rtnl_netnsid_msg()): header, rtgenmsg, NETNSA_FD */
#define NN_RTNL_NETNSID_MSG 64

/**
 * nn_rtnl_netnsid_msg() - build in @buf the RTM_GETNSID request for netns @nsfd
 * @buf:  at least NN_RTNL_NETNSID_MSG bytes
 * @nsfd: pinned net nsfs fd of the netns asked about (NETNSA_FD)
 * Return: the request (in @buf), to send with nn_rtnl_batch(); nn_rtnl_netnsid_cb() reads
 * its answer.
 */
struct nlmsghdr *nn_rtnl_netnsid_msg(void *buf, int nsfd);

/**
 * nn_rtnl_netnsid_cb() - read the nsid of an RTM_NEWNSID answer (an mnl_cb_t)
 * @nlh:  a message of the answer; other types are skipped
 * @data: int32_t, set to NETNSA_NSID when the answer has one (the caller sets -1 first:
 *        no attribute, or -1 in it, means none is assigned)
 * Return: MNL_CB_STOP after the answer, MNL_CB_OK before, MNL_CB_ERROR on a bad message.
 */
int nn_rtnl_netnsid_cb(const struct nlmsghdr *nlh, void *data);

/**
 * nn_rtnl_netnsids() - nn_rtnl_netnsid() for @n netns at once, in batches (nn_rtnl_batch())
 * @r:     socket; its netns is the observer
 * @fds:   @n pinned net nsfs fds
 * @n:     number of netns
 * @nsids: filled with @n nsids, -1 where none is assigned or the request failed
 * @ok:    filled with @n flags: was that request answered
 * Return: 0, or the negative errno that ended the batch (then no @ok is set).
 */
int nn_rtnl_netnsids(struct nn_rtnl *r, const int *fds, size_t n, int32_t *nsids, bool *ok);

/* scratch for nn_rtnl_batch(): 8 datagrams of a dump, or 32 answers of requests */
#define NN_RTNL_BATCH_SCRATCH (512 * 1024)

/* One request of nn_rtnl_batch(). */
struct nn_rtnl_req {
	struct nlmsghdr *nlh; /* type, flags (NLM_F_DUMP, NLM_F_ACK) and body set by the
			       * caller; NLM_F_REQUEST and the sequence number are set here.
			       * Its buffer holds NLMSG_ALIGN(nlmsg_len) bytes. */
	int (*cb)(const struct nlmsghdr *nlh, void *data); /* each data message, or NULL */
	void *data;   /* passed to @cb */
	bool hold;    /* run @cb on the answer only after every request without hold is
		       * answered (a dump sent before the one it needs) */
	int ret;      /* set here: 0, or the kernel's negative errno for this request */
};

/**
 * nn_rtnl_batch() - send @n requests in few sendmsg(2) and read the answers with
 * recvmmsg(2)
 * @r:       socket from nn_rtnl_open() or nn_rtnl_open_fd()
 * @reqs:    the requests, sent in this order; each ends at its NLMSG_DONE, its ack or error,
 *           or the callback's MNL_CB_STOP (an answer without ack, as RTM_GETNSID's)
 * @n:       number of requests
 * @scratch: buffer for the answers, reused between calls by a caller that makes many, or
 *           NULL to have one allocated here; at least NN_RTNL_BATCH_SCRATCH bytes
 * @size:    its size in bytes
 *
 * The kernel handles the messages of one sendmsg in turn (net/netlink/af_netlink.c
 * netlink_rcv_skb()); a dump request that finds another dump of the socket still running
 * is refused with EBUSY (__netlink_dump_start()), and is sent again, in order, once that
 * one is done.  So the callbacks of dumps run in the order of @reqs, as with one
 * nn_rtnl_dump() after the other, but for those with .hold, which run at the end in the
 * order they came.  Each datagram is checked as nn_rtnl_run() does.
 * Return: 0 when every request was answered (each one's own error in .ret); a negative
 * errno when the socket failed, a datagram was malformed or answered nothing sent
 * (-ESRCH), or a callback failed (then the socket may hold the rest of a dump: close it).
 */
int nn_rtnl_batch(struct nn_rtnl *r, struct nn_rtnl_req *reqs, size_t n, void *scratch,
		  size_t size);

/**
 * nn_rtnl_ifindex() - ifindex of an interface in @r's netns
 * @r:       socket from nn_rtnl_open()
 * @ifname:  interface name (IFLA_IFNAME lookup, net/core/rtnetlink.c rtnl_getlink)
 * @ifindex: set to the ifindex, 0 on failure
 * @err:     error object
 * Return: 0, -ENODEV if there is no such interface, or the kernel's negative errno.
 */
int nn_rtnl_ifindex(struct nn_rtnl *r, const char *ifname, int *ifindex, struct nn_err *err);

/**
 * nn_rtnl_link_up() - set @ifname IFF_UP (RTM_NEWLINK on an existing link, rtnetlink(7))
 * @r:      socket from nn_rtnl_open()
 * @ifname: interface in @r's netns
 * @err:    error object
 * Return: 0, or the kernel's negative errno (-ENODEV if @ifname is not there).
 */
int nn_rtnl_link_up(struct nn_rtnl *r, const char *ifname, struct nn_err *err);

/**
 * nn_rtnl_link_set_oper_up() - report @ifname operationally UP (IFLA_OPERSTATE IF_OPER_UP,
 * RFC 2863; net/core/rtnetlink.c set_operstate() takes UNKNOWN to UP)
 * @r:      socket from nn_rtnl_open()
 * @ifname: interface in @r's netns, up, with a carrier
 * @err:    error object
 *
 * A tap whose carrier was on before it went up stays "UNKNOWN" until a carrier change;
 * this says what linkwatch would (Documentation/networking/operstates.rst).
 * Return: 0, or the kernel's negative errno.
 */
int nn_rtnl_link_set_oper_up(struct nn_rtnl *r, const char *ifname, struct nn_err *err);

/**
 * nn_rtnl_link_set_mtu() - set the MTU of @ifname
 * @r:      socket from nn_rtnl_open()
 * @ifname: interface in @r's netns
 * @mtu:    MTU in bytes (IFLA_MTU); 0 sends no change
 * @err:    error object
 * Return: 0, or the kernel's negative errno (-EINVAL for an MTU the device refuses).
 */
int nn_rtnl_link_set_mtu(struct nn_rtnl *r, const char *ifname, unsigned mtu, struct nn_err *err);

/**
 * nn_rtnl_link_set_master() - make @ifname a port of bridge @master (IFLA_MASTER)
 * @r:      socket from nn_rtnl_open()
 * @ifname: interface in @r's netns, not up yet
 * @master: bridge in @r's netns
 * @err:    error object
 *
 * In the same request @ifname gets IPv6 addr_gen_mode none: a bridge port needs no
 * address, and the link-local one it would get when up sends DAD, MLD reports and router
 * solicitations that the bridge floods to every other port (ip-link(8) addrgenmode).
 * Return: 0, -ENODEV if @master is not there, or the kernel's negative errno.
 */
int nn_rtnl_link_set_master(struct nn_rtnl *r, const char *ifname, const char *master,
			    struct nn_err *err);

/**
 * nn_rtnl_link_del() - delete @ifname (RTM_DELLINK; a veth takes its peer with it)
 * @r:      socket from nn_rtnl_open()
 * @ifname: interface in @r's netns
 * @err:    error object
 * Return: 0, -ENODEV if it is not there, or the kernel's negative errno.
 */
int nn_rtnl_link_del(struct nn_rtnl *r, const char *ifname, struct nn_err *err);

/**
 * nn_rtnl_bridge_add() - create a bridge (IFLA_INFO_KIND "bridge", NLM_F_EXCL)
 * @r:    socket from nn_rtnl_open()
 * @name: bridge name in @r's netns
 * @mtu:  MTU in bytes (0: the kernel's default)
 * @err:  error object
 * Return: 0, -EEXIST if @name exists, or the kernel's negative errno.
 */
int nn_rtnl_bridge_add(struct nn_rtnl *r, const char *name, unsigned mtu, struct nn_err *err);

/**
 * nn_rtnl_veth_add() - create a veth pair in one request
 * @r:           socket in the netns of the first end
 * @name:        first end, created in @r's netns
 * @peer:        other end
 * @peer_netns:  nsfs fd where @peer is created (VETH_INFO_PEER + IFLA_NET_NS_FD,
 *               drivers/net/veth.c veth_newlink), or -1 for @r's netns
 * @mtu:         MTU of both ends in bytes (0: default)
 * @err:         error object
 * Return: 0, -EEXIST if a name is taken, other negative errno.
 */
int nn_rtnl_veth_add(struct nn_rtnl *r, const char *name, const char *peer, int peer_netns,
		     unsigned mtu, struct nn_err *err);

/* The addresses and default routes nn_rtnl_iface_addrs() gives one interface. */
struct nn_rtnl_iface_addrs {
	int ifindex;
	struct in_addr ip, gw;        /* ip/prefix, default via gw */
	unsigned prefix;
	const struct in6_addr *ip6;   /* NULL: no IPv6 (then gw6 and prefix6 are unused) */
	const struct in6_addr *gw6;
	unsigned prefix6;
};

/**
 * nn_rtnl_iface_addrs() - add an interface's addresses and default routes in one batch
 * @r:   socket from nn_rtnl_open()
 * @a:   the interface, by ifindex (no name lookup), and what to add: the IPv4 address, then
 *       the IPv6 one with IFA_F_NODAD, the IPv4 default route, the IPv6 default route
 * @err: error object
 *
 * The two to four requests go in one sendmsg(2) and the kernel answers each with its ack
 * (netlink(7): every message with NLM_F_ACK; net/netlink/af_netlink.c netlink_rcv_skb
 * goes on after a failed one), so it is one round trip instead of four.
 * Return: 0, or the kernel's negative errno of the first request that failed, named.
 */
int nn_rtnl_iface_addrs(struct nn_rtnl *r, const struct nn_rtnl_iface_addrs *a,
			struct nn_err *err);

/**
 * nn_rtnl_addr_add() - add an IPv4 address (RTM_NEWADDR, IFA_LOCAL + IFA_ADDRESS)
 * @r:      socket from nn_rtnl_open()
 * @ifname: interface in @r's netns
 * @addr:   the address, network byte order
 * @prefix: prefix length, 0-32
 * @err:    error object
 * Return: 0, -ENODEV if @ifname is not there, or the kernel's negative errno.
 */
int nn_rtnl_addr_add(struct nn_rtnl *r, const char *ifname, struct in_addr addr, unsigned prefix,
		     struct nn_err *err);

/**
 * nn_rtnl_route_add_default() - add an IPv4 default route (RTM_NEWROUTE, main table)
 * @r:      socket from nn_rtnl_open()
 * @gw:     gateway, network byte order
 * @ifname: interface in @r's netns the route leaves by
 * @err:    error object
 * Return: 0, -ENODEV if @ifname is not there, -EEXIST if a default route exists, or
 * the kernel's negative errno.
 */
int nn_rtnl_route_add_default(struct nn_rtnl *r, struct in_addr gw, const char *ifname,
			      struct nn_err *err);

/**
 * nn_rtnl_route_add_local_default() - add "local default dev @ifname table @table"
 * @r:      socket from nn_rtnl_open()
 * @family: AF_INET or AF_INET6
 * @table:  routing table id (RTA_TABLE, so ids above 255 work)
 * @ifname: interface in @r's netns, "lo" for a transparent proxy's table
 * @err:    error object
 *
 * RTN_LOCAL, scope host: every destination looked up in @table is delivered locally, the
 * route Documentation/networking/tproxy.rst makes for sockets bound with IP_TRANSPARENT
 * (ip(7)).  NLM_F_REPLACE: a second call leaves one route.
 * Return: 0, -ENODEV if @ifname is not there, -EAFNOSUPPORT (IPv6 off), or the kernel's
 * negative errno.
 */
int nn_rtnl_route_add_local_default(struct nn_rtnl *r, int family, uint32_t table,
				    const char *ifname, struct nn_err *err);

/**
 * nn_rtnl_rule_add_fwmark() - add the policy rule "fwmark @mark lookup @table"
 * @r:        socket from nn_rtnl_open()
 * @family:   AF_INET or AF_INET6
 * @mark:     packet mark to match, all 32 bits (FRA_FWMARK, FRA_FWMASK 0xffffffff)
 * @table:    table to look up (FRA_TABLE)
 * @priority: rule priority (FRA_PRIORITY); below 32766, the main table's, to come first
 * @err:      error object
 *
 * RTM_NEWRULE with a struct fib_rule_hdr, FR_ACT_TO_TBL (linux/fib_rules.h,
 * net/core/fib_rules.c fib_nl_newrule); the same rule made twice is not an error.
 * Return: 0, -EAFNOSUPPORT (IPv6 off), or the kernel's negative errno.
 */
int nn_rtnl_rule_add_fwmark(struct nn_rtnl *r, int family, uint32_t mark, uint32_t table,
			    uint32_t priority, struct nn_err *err);

/**
 * nn_rtnl_addr6_add() - add an IPv6 address with no duplicate address detection
 * @r:      socket from nn_rtnl_open()
 * @ifname: interface in @r's netns
 * @addr:   the address
 * @prefix: prefix length, 0-128
 * @err:    error object
 *
 * IFA_F_NODAD (include/uapi/linux/if_addr.h): the address is usable at once, never
 * "tentative" (RFC 4862 section 5.4; net/ipv6/addrconf.c addrconf_dad_begin), so a
 * sandbox's first packet does not race DAD.  netnest alone hands out these addresses.
 * Return: 0, -ENODEV if @ifname is not there, -EAFNOSUPPORT without IPv6, or the kernel's
 * negative errno.
 */
int nn_rtnl_addr6_add(struct nn_rtnl *r, const char *ifname, const struct in6_addr *addr,
		      unsigned prefix, struct nn_err *err);

/**
 * nn_rtnl_route6_add_default() - add an IPv6 default route (RTM_NEWROUTE, main table)
 * @r:      socket from nn_rtnl_open()
 * @gw:     gateway, on the link of @ifname
 * @ifname: interface in @r's netns the route leaves by
 * @err:    error object
 * Return: as nn_rtnl_route_add_default().
 */
int nn_rtnl_route6_add_default(struct nn_rtnl *r, const struct in6_addr *gw, const char *ifname,
			       struct nn_err *err);

#endif
