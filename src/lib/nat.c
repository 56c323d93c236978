// SPDX-License-Identifier: GPL-2.0-or-later
/* nat.c - the nest's nftables table, through libnftables (see nat.h) */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "nat.h"
#include "util.h"

/*
 * Run @cmd with a fresh libnftables context inside @netns_fd: the context's netlink
 * socket is made on first use, in the netns of the thread that uses it.
 */
static int nft_in_netns(int netns_fd, const char *cmd, const char *what, struct nn_err *err)
{
	_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	struct nft_ctx *nft;
	int r = 0;

	if (self < 0)
		return nn_err(err, errno, "%s: open own netns", what);
	if (setns(netns_fd, CLONE_NEWNET) < 0)
		return nn_err(err, errno, "%s: enter the nest's netns", what);
	nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!nft) {
		r = nn_err(err, ENOMEM, "%s: nft_ctx_new", what);
	} else {
		nft_ctx_buffer_output(nft);
		nft_ctx_buffer_error(nft);
		if (nft_run_cmd_from_buffer(nft, cmd) != 0) {
			const char *msg = nft_ctx_get_error_buffer(nft);
			int len = (int)strcspn(msg ? msg : "", "\n");

			r = nn_err(err, 0, "%s: nft: %.*s", what, len, msg ? msg : "failed");
		}
		nft_ctx_free(nft);
	}
	if (setns(self, CLONE_NEWNET) < 0 && r == 0)
		r = nn_err(err, errno, "%s: return to own netns", what);
	return r;
}

int nn_nat_add(int netns_fd, const struct nn_nest_config *cfg, struct nn_err *err)
{
	char net[INET_ADDRSTRLEN], cmd[1024];
	struct in_addr a = nn_cidr_network(&cfg->subnet);

	inet_ntop(AF_INET, &a, net, sizeof(net));
	snprintf(cmd, sizeof(cmd),
		 "table ip " NN_NAT_TABLE " {\n"
		 "  chain postrouting {\n"
		 "    type nat hook postrouting priority srcnat; policy accept;\n"
		 "    ip saddr %s/%u oifname \"%s\" masquerade\n"
		 "  }\n"
		 "  chain forward {\n"
		 "    type filter hook forward priority filter; policy drop;\n"
		 "    ct state established,related accept\n"
		 "    iifname \"%s\" accept\n"
		 "  }\n"
		 "}\n",
		 net, cfg->subnet.prefix, cfg->tap, cfg->bridge);
	return nft_in_netns(netns_fd, cmd, "add table ip " NN_NAT_TABLE " in the nest's netns",
			    err);
}

int nn_nat_del(int netns_fd, struct nn_err *err)
{
	/* "destroy" (nft 1.0.8) is not in Debian 12's 1.0.6: add-then-delete is idempotent. */
	return nft_in_netns(netns_fd, "add table ip " NN_NAT_TABLE "\ndelete table ip "
				      NN_NAT_TABLE "\n",
			    "delete table ip " NN_NAT_TABLE " in the nest's netns", err);
}
