// SPDX-License-Identifier: GPL-2.0-or-later
/* nat.c - the nest's nftables table, through libnftables (see nat.h) */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "nat.h"
#include "rtnl.h"
#include "util.h"

/* The context's netlink socket is made on first use, in the netns of its thread. */
static int nft_here(void *arg, struct nn_err *err)
{
	const char **cmd_what = arg;
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	int r = 0;

	if (!nft)
		return nn_err(err, ENOMEM, "%s: nft_ctx_new", cmd_what[1]);
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	if (nft_run_cmd_from_buffer(nft, cmd_what[0]) != 0) {
		const char *msg = nft_ctx_get_error_buffer(nft);
		int len = (int)strcspn(msg ? msg : "", "\n");

		r = nn_err(err, 0, "%s: nft: %.*s", cmd_what[1], len, msg ? msg : "failed");
	}
	nft_ctx_free(nft);
	return r;
}

/* Run @cmd with a fresh libnftables context inside @netns_fd. */
static int nft_in_netns(int netns_fd, const char *cmd, const char *what, struct nn_err *err)
{
	const char *cmd_what[2] = { cmd, what };

	return nn_netns_call(netns_fd, "of the nest", nft_here, (void *)cmd_what, err);
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
