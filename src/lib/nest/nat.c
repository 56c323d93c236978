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

/*
 * table_text() - the table of @family ("ip" or "ip6") at the end of @cmd (@size bytes in
 * all), with @own_rule (the bridge's masquerade, or "") first in postrouting
 */
static void table_text(char *cmd, size_t size, const char *family, const char *own_rule,
		       const char *tap)
{
	size_t used = strlen(cmd);

	snprintf(cmd + used, size - used,
		 "table %s " NN_NAT_TABLE " {\n"
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
		 family, own_rule, tap, tap);
}

int nn_nat_add(int netns_fd, const struct nn_nest_config *cfg, struct nn_err *err)
{
	char net[INET6_ADDRSTRLEN], own[160] = "", cmd[2048] = "";
	struct in_addr a = nn_cidr_network(&cfg->subnet);
	struct in6_addr a6 = nn_cidr6_network(&cfg->subnet6);

	if (*cfg->bridge) {
		inet_ntop(AF_INET, &a, net, sizeof(net));
		snprintf(own, sizeof(own), "    ip saddr %s/%u oifname \"%s\" masquerade\n", net,
			 cfg->subnet.prefix, cfg->tap);
	}
	table_text(cmd, sizeof(cmd), "ip", own, cfg->tap);
	if (cfg->ipv6) {
		*own = '\0';
		if (*cfg->bridge) {
			inet_ntop(AF_INET6, &a6, net, sizeof(net));
			snprintf(own, sizeof(own), "    ip6 saddr %s/%u oifname \"%s\" "
				 "masquerade\n", net, cfg->subnet6.prefix, cfg->tap);
		}
		table_text(cmd, sizeof(cmd), "ip6", own, cfg->tap);
	}
	return nft_in_netns(netns_fd, cmd, cfg->ipv6 ? "add tables ip and ip6 " NN_NAT_TABLE
			    " in the nest's netns" : "add table ip " NN_NAT_TABLE " in the nest's "
			    "netns", err);
}
