/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_NAT_H
#define NN_NAT_H

/*
 * NAT of the bridge network out of tap0, in an nftables table of netnest's own inside the
 * nest's netns, never the host's (docs/design.md#nat-table), so a crash is cleaned up by
 * deleting one table (or by the netns going away).  Through libnftables(3).
 */

#include "err.h"
#include "nest.h"

#define NN_NAT_TABLE "netnest" /* family ip, and ip6 with IPv6 */

/**
 * nn_nat_add() - create table ip netnest (and ip6 netnest) in @netns_fd
 * @netns_fd: the nest's netns (nsfs fd, not owned); a short-lived thread enters it
 *            (nn_netns_call()), the caller's netns does not change
 * @cfg:      tap (the way out), subnet and bridge (netnest's own; bridge "" for none);
 *            with ipv6, subnet6 too
 * @err:      error object, with the first line of nft's own message
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
 * (docs/design.md#ipv6).  One nft batch: both tables or neither.
 * libnftables.so.1 is loaded for the call and unloaded after (dl.h).
 * Return: 0, -ELIBACC/-ELIBBAD if libnftables cannot be loaded (nn_dl_load()), -EINVAL
 * if nft refuses the table, or the negative errno of setns(2)/pthread_create(3).
 */
int nn_nat_add(int netns_fd, const struct nn_nest_config *cfg, struct nn_err *err);

#endif
