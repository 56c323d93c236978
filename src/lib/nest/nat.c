// SPDX-License-Identifier: GPL-2.0-or-later
/* nat.c - the nest's nftables table, through libnftables (see nat.h) */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "dl.h"
#include "nat.h"
#include "rtnl.h"
#include "util.h"

/* libnftables, loaded while the table is made (dl.h): order of nft_names. */
struct nft_api {
	__typeof__(nft_ctx_new) *ctx_new;
	__typeof__(nft_ctx_buffer_output) *buffer_output;
	__typeof__(nft_ctx_buffer_error) *buffer_error;
	__typeof__(nft_run_cmd_from_buffer) *run_cmd_from_buffer;
	__typeof__(nft_ctx_get_error_buffer) *get_error_buffer;
	__typeof__(nft_ctx_free) *ctx_free;
};
static const char *const nft_names[] = {
	"nft_ctx_new", "nft_ctx_buffer_output", "nft_ctx_buffer_error",
	"nft_run_cmd_from_buffer", "nft_ctx_get_error_buffer", "nft_ctx_free",
};
_Static_assert(sizeof(struct nft_api) == sizeof(nft_names), "one pointer per symbol");

/* The context's netlink socket is made on first use, in the netns of its thread. */
static int nft_here(void *arg, struct nn_err *err)
{
	const char **cmd_what = arg;
	struct nft_api nft;
	struct nft_ctx *ctx;
	void *lib;
	int r = nn_dl_load("libnftables.so.1", nft_names, (void **)&nft, ARRAY_SIZE(nft_names),
			   &lib, err);

	if (r < 0)
		return nn_err_wrap(err, "%s", cmd_what[1]);
	ctx = nft.ctx_new(NFT_CTX_DEFAULT);
	if (!ctx) {
		r = nn_err(err, ENOMEM, "%s: nft_ctx_new", cmd_what[1]);
	} else {
		nft.buffer_output(ctx);
		nft.buffer_error(ctx);
		if (nft.run_cmd_from_buffer(ctx, cmd_what[0]) != 0) {
			const char *msg = nft.get_error_buffer(ctx);
			int len = (int)strcspn(msg ? msg : "", "\n");

			r = nn_errx(err, EINVAL, "%s: nft: %.*s", cmd_what[1], len,
				    msg ? msg : "failed");
		}
		nft.ctx_free(ctx);
	}
	/* Unloaded again: an idle daemon does not keep libnftables resident. */
	dlclose(lib);
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
	char net[INET_ADDRSTRLEN], own[128] = "", cmd[1024];
	struct in_addr a = nn_cidr_network(&cfg->subnet);

	if (*cfg->bridge) {
		inet_ntop(AF_INET, &a, net, sizeof(net));
		snprintf(own, sizeof(own), "    ip saddr %s/%u oifname \"%s\" masquerade\n", net,
			 cfg->subnet.prefix, cfg->tap);
	}
	snprintf(cmd, sizeof(cmd),
		 "table ip " NN_NAT_TABLE " {\n"
		 "  chain postrouting {\n"
		 "    type nat hook postrouting priority srcnat; policy accept;\n"
		 "%s"
		 "    oifname \"%s\" fib saddr type != local masquerade\n"
		 "  }\n"
		 "  chain forward {\n"
		 "    type filter hook forward priority filter; policy drop;\n"
		 "    ct state established,related accept\n"
		 "    iifname != \"%s\" accept\n"
		 "  }\n"
		 "}\n",
		 own, cfg->tap, cfg->tap);
	return nft_in_netns(netns_fd, cmd, "add table ip " NN_NAT_TABLE " in the nest's netns",
			    err);
}

int nn_nat_add_keep_source(int netns_fd, uint32_t sock_mark, uint32_t route_mark,
			   struct nn_err *err)
{
	char cmd[640];

	snprintf(cmd, sizeof(cmd),
		 "table inet " NN_SRC_TABLE " {\n"
		 "  chain output {\n"
		 "    type filter hook output priority mangle; policy accept;\n"
		 "    meta mark %#x ct mark set %#x\n"
		 "  }\n"
		 "  chain prerouting {\n"
		 "    type filter hook prerouting priority mangle; policy accept;\n"
		 "    ct mark %#x meta mark set ct mark\n"
		 "  }\n"
		 "}\n",
		 sock_mark, route_mark, route_mark);
	return nft_in_netns(netns_fd, cmd, "add table inet " NN_SRC_TABLE " in the nest's netns",
			    err);
}
