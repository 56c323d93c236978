/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_TOPO_INTERNAL_H
#define NN_TOPO_INTERNAL_H

/*
 * Inside nn_topo_build(): the steps shared by the topo family (passt's tcp_internal.h
 * habit): topo.c (the model, netlink dumps, veth pairs), topo_sock.c (a socket inside each
 * netns), topo_tun.c (tap holders), topo_role.c (roles) and topo_render.c.  Not for use
 * outside those files; everyone else has topo.h.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "topo.h"

struct nlmsghdr;

/**
 * nn_topo_link_cb() - add the link of one RTM_NEWLINK message of a dump to a netns
 * @nlh:  a message of an RTM_GETLINK dump (libmnl has checked its header and length,
 *        mnl_cb_run()); other types are skipped
 * @data: the struct nn_topo_netns to add to
 *
 * Reads ifinfomsg and IFLA_IFNAME, MTU, OPERSTATE, ADDRESS, MASTER, LINK, LINK_NETNSID and
 * LINKINFO (KIND, SLAVE_KIND, and the tun's IFLA_TUN_TYPE) (rtnetlink(7),
 * include/uapi/linux/if_link.h).  The bytes may come from a process, not the kernel
 * (rtnl.h nn_rtnl_run()): a message too short for its ifinfomsg is skipped, and an
 * attribute of the wrong type (a string without its NUL, a short integer) is left out.
 * Return: MNL_CB_OK, or MNL_CB_ERROR on ENOMEM.
 */
int nn_topo_link_cb(const struct nlmsghdr *nlh, void *data);

/**
 * nn_topo_addr_cb() - add the address of one RTM_NEWADDR message to its link
 * @nlh:  a message of an RTM_GETADDR dump; other types are skipped
 * @data: the struct nn_topo_netns whose links were read (an address of a link not there
 *        is skipped)
 *
 * IFA_LOCAL, else IFA_ADDRESS, with the family and prefix length of the ifaddrmsg: an
 * AF_INET or AF_INET6 address of 4 or 16 bytes; others are skipped, as are messages too
 * short for their ifaddrmsg.
 * Return: MNL_CB_OK, or MNL_CB_ERROR on ENOMEM.
 */
int nn_topo_addr_cb(const struct nlmsghdr *nlh, void *data);

/**
 * nn_topo_route_cb() - add one RTM_NEWROUTE message of the main table to a netns
 * @nlh:  a message of an RTM_GETROUTE dump; other types, tables and route types are skipped
 * @data: the struct nn_topo_netns to add to
 *
 * RTA_DST (with rtm_dst_len), RTA_GATEWAY, RTA_PREFSRC and RTA_OIF; RTA_TABLE over
 * rtm_table.  IPv4 and IPv6 only (an AF_UNSPEC dump has AF_MPLS routes too); an address
 * of the wrong size or a short integer is left out.
 * Return: MNL_CB_OK, or MNL_CB_ERROR on ENOMEM.
 */
int nn_topo_route_cb(const struct nlmsghdr *nlh, void *data);

/**
 * nn_topo_default_link() - the link the first default route of @n leaves through
 * @n: netns of the model
 * Return: the link (owned by the model), or NULL when @n has no default route with an
 * output device.
 */
const struct nn_topo_link *nn_topo_default_link(const struct nn_topo_netns *n);

/**
 * nn_topo_add_gap() - record that @what could not be read
 * @t:    model
 * @code: positive errno
 * @fmt:  printf format naming the object
 */
void nn_topo_add_gap(struct nn_topo *t, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * nn_topo_pair_veths() - resolve the peer of every veth in @t, then check each pair from
 * both ends
 * @t: model with links read and nsid maps filled
 *
 * A veth's peer is (IFLA_LINK_NETNSID -> netns through this netns's nsid map, IFLA_LINK
 * -> ifindex there); no netnsid means the same netns; a netnsid without IFLA_LINK means
 * the same index (older kernels, Ghostwire network/veth.go).  The peer must be a veth.
 * Sets peer_ns/peer_ifindex, and peer_symmetric when the peer points back.  Unknown
 * nsids and peers that are not veths become gaps; nothing is matched by index alone.
 */
void nn_topo_pair_veths(struct nn_topo *t);

/**
 * nn_topo_tun_holders() - tie tap/tun links of @t to the processes holding them
 * @t: model with links read, and its discovery table (nn_discover())
 *
 * Takes the /dev/net/tun fds discovery found in /proc/PID/fd (nn_ns_table.tun_fds:
 * /proc is not read a second time), reads "iff:\tNAME" from /proc/PID/fdinfo/FD
 * (drivers/net/tun.c tun_chr_show_fdinfo), and finds the device's netns with
 * pidfd_open(2) + pidfd_getfd(2) + ioctl(TUNGETDEVNETNS) (Linux 5.6+,
 * include/uapi/linux/if_tun.h).  When that is refused, it matches by name and marks
 * the holder ambiguous.  Unreadable processes become gaps.
 */
void nn_topo_tun_holders(struct nn_topo *t);

/**
 * nn_topo_roles() - give each netns of @t a role and label from what is seen: the initial
 * netns, netnest state dirs (state.h: child_pid, <dir>/netns seen through
 * /proc/<child_pid>/root, sandboxes/<name>.json), RootlessKit processes and state dirs
 * (RootlessKit's or netnest rootlesskit's, found by a bind mount of <dir>/netns or by the
 * $ROOTLESSKIT_STATE_DIR of a process in the netns of <dir>/child_pid), Podman's
 * rootless-netns bind mount, tap holders (slirp4netns, pasta), and container wiring
 * (default route out of a veth whose peer is a bridge port)
 * @t: model with links, peers and holders resolved
 */
void nn_topo_roles(struct nn_topo *t);

/**
 * typedef nn_topo_sock_cb - given each socket nn_topo_open_socks() makes
 * @arg:     the caller's
 * @scratch: NN_RTNL_BATCH_SCRATCH bytes of the calling thread's for nn_rtnl_batch(), or
 *           NULL (out of memory)
 * @i:       index of the netns
 * @fd:      the socket, taken by the callback
 *
 * Runs in the thread that made the socket (or, for the caller's own netns and sockets
 * from a userns child, in any); callbacks for different @i run at the same time.
 */
typedef void (*nn_topo_sock_cb)(void *arg, void *scratch, size_t i, int fd);

/**
 * nn_topo_open_socks() - one NETLINK_ROUTE socket inside each of @n network namespaces
 * @fds:    @n pinned nsfs fds of the netns (-1: skip that one)
 * @userns: @n inodes of their owning user namespaces, 0 where not known: those setns
 *          refuses are asked (NS_GET_USERNS, ioctl_ns(2)) and filled in
 * @n:      number of netns
 * @self:   index of the caller's own netns (its socket is made in the calling thread,
 *          without setns), or -1
 * @socks:  filled with @n sockets, -1 where none could be made (without @got the caller
 *          closes them; with @got a value >= 0 says only that one was made)
 * @errs:   filled with @n positive errno values for the -1 entries, 0 elsewhere
 * @got:    given each socket as soon as it is made (may be NULL)
 * @arg:    passed to @got
 *
 * The caller reserves the fd table for the sockets first (nn_topo_reserve_fds()).
 * A few threads (one per CPU) setns(2) into the netns in turn and make the sockets
 * there (rtnetlink(7): a socket stays in the netns it was made in), instead of a thread
 * per netns; each hands its socket to @got before it takes the next netns, so the work
 * on the first sockets runs while the last are made.  Where setns is refused (EPERM: the
 * caller is not privileged over the netns's owning userns from outside), one forked
 * child per owning userns enters that userns first, as nsenter -U -n does, and passes the
 * sockets back over SCM_RIGHTS (unix(7)).
 */
void nn_topo_open_socks(const int *fds, uint64_t *userns, size_t n, ssize_t self, int *socks,
			int *errs, nn_topo_sock_cb got, void *arg);

/**
 * nn_topo_reserve_fds() - room in the fd table for @n + 16 fds above the highest of @fds
 * (nn_fd_table_reserve()): called while the process has one thread, so that the threads
 * that open the sockets never wait for the table to grow
 */
void nn_topo_reserve_fds(const int *fds, size_t n);

/**
 * nn_topo_read() - read every netns of @t: links, addresses, routes, nsid maps
 * @t: model with netns[].ns set from the discovery table
 *
 * One socket per netns (nn_topo_open_socks()), each read by the thread that made it with
 * one batch of requests (nn_rtnl_batch()); then the nsids each netns's links use are
 * mapped to netns.  Sets netns[].read; what could not be read becomes a gap.
 * Return: the number of netns read.
 */
size_t nn_topo_read(struct nn_topo *t);

/**
 * nn_topo_grow() - grow *@arr (of *@n elements of @size bytes) by one zeroed element
 * Return: the new element, or NULL on ENOMEM (the array is unchanged).
 */
void *nn_topo_grow(void *arr, size_t *n, size_t size);

/**
 * nn_topo_nsid_lookup() - the netns nsid @nsid names in @n's map
 * Return: its index in the model, or -1 when not mapped.
 */
ssize_t nn_topo_nsid_lookup(const struct nn_topo_netns *n, int nsid);

#endif
