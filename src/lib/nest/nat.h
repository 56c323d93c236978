/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_NAT_H
#define NN_NAT_H

/*
 * NAT of the bridge network out of tap0, in an nftables table of netnest's own inside the
 * nest's netns, never the host's (docs/design.md#nat-table), so a crash is cleaned up by
 * deleting one table (or by the netns going away).  Sent as one nf_tables netlink batch,
 * built with libnftnl.
 */

#include <stdint.h>

#include "err.h"
#include "nest.h"

#define NN_NAT_TABLE "netnest" /* family ip, and ip6 with IPv6 */
#define NN_SRC_TABLE "netnest_src" /* family inet: nn_nat_add_keep_source() */

/**
 * nn_nat_add() - create table ip netnest (and ip6 netnest) in @netns_fd
 * @netns_fd: the nest's netns (nsfs fd, not owned); a short-lived thread enters it
 *            (nn_netns_call()), the caller's netns does not change
 * @cfg:      tap (the way out), subnet and bridge (netnest's own; bridge "" for none);
 *            with ipv6, subnet6 too
 * @err:      error object, with the kernel's errno for the first message it refused
 *
 * Chains: postrouting (nat, srcnat) "ip saddr SUBNET oifname TAP masquerade" for netnest's
 * bridge, then "oifname TAP fib saddr type != local masquerade" for whatever else is
 * forwarded out of tap0: the bridges the nest's user makes (docker0, nerdctl0, cni0) get
 * out as under RootlessKit, which filters nothing.  forward (filter, policy drop) accepts
 * established/related replies and everything that does not enter from tap0, so the only
 * packets dropped are new ones the engine would send into a bridge (in the manner of the
 * CNI bridge ipMasq and firewall plugins, docs/facts-cni.md#masquerade-and-firewall).  A base chain's drop is final
 * for every table on the hook, so a narrower accept here would drop docker0's traffic
 * whatever dockerd's own iptables rules say.
 * With IPv6 (cfg->ipv6) the same chains again in "table ip6 netnest", for subnet6: NAT66,
 * masquerade to tap0's fd00::100, as the engine routes only its own prefix back
 * (docs/design.md#ipv6).  Both tables go in the one batch.
 * With netnest's own bridge (cfg->bridge), then, in a batch of its own, "table bridge
 * netnest": forward (filter, policy accept) "ip6 daddr ff02::16 drop".  Each new sandbox's
 * eth0 sends MLDv2 reports to ff02::16 (RFC 3810 5.2.14), and a bridge with no multicast
 * querier floods them to every port (net/bridge/br_input.c: br_flood() when
 * br_multicast_querier_exists() is false), where each netns drops them: with 1000
 * sandboxes, hundreds of thousands of packets a minute for nothing.  A snooping switch
 * sends reports only to multicast router ports (RFC 4541 2.1.1), and a nest has none;
 * the bridge itself still receives them.  Kernels without CONFIG_NFT_BRIDGE_META (the
 * 6.18 of the project's machines) refuse `meta ibrname`, so the rule holds for every
 * bridge in the nest's netns, not netnest's alone.  A kernel
 * that refuses the table (no nf_tables bridge family) costs only the flood: nn_notice().
 * The rules are the expressions nft(8) compiles their text to (`nft --debug=netlink`), so
 * `nft list table ip netnest` prints them as above; the table, chains and rules are made
 * in one transaction, all or nothing (net/netfilter/nfnetlink.c nfnetlink_rcv_batch).
 * libnftnl.so.11 is loaded for the call and unloaded after (dl.h).
 * Return: 0; -ELIBACC/-ELIBBAD if libnftnl cannot be loaded (nn_dl_load()); the kernel's negative errno for the first message of the batch it refused
 * (-EPERM without CAP_NET_ADMIN over the netns, -EEXIST, -ENOENT for an nf_tables
 * expression the kernel lacks); -ENOMEM; -EIO when the kernel answers fewer messages than
 * were sent; or the negative errno of socket(2), sendto(2), setns(2), pthread_create(3).
 */
int nn_nat_add(int netns_fd, const struct nn_nest_config *cfg, struct nn_err *err);

/**
 * nn_nat_add_keep_source() - create table inet netnest_src in @netns_fd, the netfilter
 * half of keeping a published port's client address (portfwd_src.c)
 * @netns_fd:   the nest's netns (nsfs fd, not owned), entered as by nn_nat_add()
 * @sock_mark:  the SO_MARK of the port driver's transparent sockets (socket(7))
 * @route_mark: the mark that sends a reply to the "local default" table (the fwmark of
 *              nn_rtnl_rule_add_fwmark()); must differ from @sock_mark, or the
 *              sockets' own packets would be routed to lo
 *
 * Chains (priority mangle, both families): output "meta mark SOCK ct mark set ROUTE", so
 * the connection of a transparent socket is marked; prerouting "ct mark ROUTE meta mark
 * set ct mark", so its replies, which come back from a bridge addressed to the client's
 * (non-local) address, carry the route mark and are delivered locally to the socket,
 * in the manner of Documentation/networking/tproxy.rst and RootlessKit's builtin driver
 * (pkg/port/builtin/child/child.go setupTransparentRouting, which uses CONNMARK).
 * Return: as nn_nat_add().
 */
int nn_nat_add_keep_source(int netns_fd, uint32_t sock_mark, uint32_t route_mark,
			   struct nn_err *err);

#endif
