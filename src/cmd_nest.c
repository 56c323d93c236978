// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_nest.c - netnest up, down, info: start, stop and show a nest */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "lib/nest/client.h"
#include "lib/nest/extengine.h"
#include "lib/nest/nest.h"
#include "lib/core/out.h"
#include "lib/core/state.h"
#include "lib/core/util.h"

/* ---- up ---- */

static int up_usage(FILE *f, int status)
{
	fprintf(f,
		"Usage: netnest up [-d] [--nest NAME] [--cidr CIDR] [--mtu N] [--subnet CIDR]\n"
		"                  [--subnet6 CIDR|none] [--gateway IP] [--allow-host-loopback]\n"
		"                  [--net builtin|slirp4netns|pasta]\n"
		"\n"
		"Start a nest: a user namespace (rootless) and mount namespace, a detached netns\n"
		"with tap0 on a user-mode network engine (libslirp), the bridge netnest0 with NAT\n"
		"out of tap0, and the control API on $STATE/api.sock.  Runs in the foreground\n"
		"until Ctrl-C or SIGTERM; -d returns once the nest is ready.\n"
		"\n"
		"  -d, --detach           run in the background\n"
		"  --nest NAME            nest name (default \"default\")\n"
		"  --cidr CIDR            tap network, /8 to /25 (default 10.0.2.0/24: tap .100,\n"
		"                         gateway .2, DNS .3)\n"
		"  --mtu N                MTU of tap0 and the bridge, %d..%d (default 65520)\n"
		"  --subnet CIDR          bridge network, /8 to /30 (default 10.4.0.0/24); not\n"
		"                         loopback, multicast, link-local or reserved\n"
		"  --subnet6 CIDR|none    bridge IPv6 network, a unique local /64 or larger\n"
		"                         (default " NN_SUBNET6_DEFAULT "; the engine's is "
		NN_ENGINE_CIDR6 ");\n"
		"                         none: IPv4 only\n"
		"  --gateway IP           bridge address (default: first address of --subnet)\n"
		"  --allow-host-loopback  let the gateway address reach the host's 127.0.0.1\n"
		"                         (and fd00::2 the host's ::1)\n"
		"  --net ENGINE           the engine on tap0: builtin (netnest's own, the default),\n"
		"                         slirp4netns or pasta (Debian's binaries, run as\n"
		"                         RootlessKit runs them; pasta: IPv4 only)\n"
		"  -h, --help             show this help\n",
		NN_MTU_MIN, NN_MTU_MAX);
	return status;
}

enum { OPT_NEST = 256, OPT_CIDR, OPT_MTU, OPT_SUBNET, OPT_SUBNET6, OPT_GATEWAY, OPT_LOOPBACK,
       OPT_NET };

int cmd_up(int argc, char **argv, struct nn_err *err)
{
	static const struct option lo[] = {
		{ "detach", no_argument, NULL, 'd' },
		{ "nest", required_argument, NULL, OPT_NEST },
		{ "cidr", required_argument, NULL, OPT_CIDR },
		{ "mtu", required_argument, NULL, OPT_MTU },
		{ "subnet", required_argument, NULL, OPT_SUBNET },
		{ "subnet6", required_argument, NULL, OPT_SUBNET6 },
		{ "gateway", required_argument, NULL, OPT_GATEWAY },
		{ "allow-host-loopback", no_argument, NULL, OPT_LOOPBACK },
		{ "net", required_argument, NULL, OPT_NET },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *nest = NN_NEST_DEFAULT, *cidr = NULL, *mtu = NULL, *subnet = NULL,
		   *subnet6 = NULL, *gateway = NULL, *net = NULL;
	bool detach = false, loopback = false;
	struct nn_nest_config cfg;
	struct nn_nest_start st;
	unsigned long v;
	int c, r;

	while ((c = getopt_long(argc, argv, ":dh", lo, NULL)) != -1) {
		switch (c) {
		case 'd': detach = true; break;
		case OPT_NEST:
			if (nn_nest_arg(argv[0], optarg))
				return EXIT_USAGE;
			nest = optarg;
			break;
		case OPT_CIDR: cidr = optarg; break;
		case OPT_MTU: mtu = optarg; break;
		case OPT_SUBNET: subnet = optarg; break;
		case OPT_SUBNET6: subnet6 = optarg; break;
		case OPT_GATEWAY: gateway = optarg; break;
		case OPT_LOOPBACK: loopback = true; break;
		case OPT_NET: net = optarg; break;
		case 'h': return up_usage(stdout, 0);
		default: return nn_opt_error(argv, c);
		}
	}
	if (optind < argc)
		return nn_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	if (nn_nest_config_default(&cfg, nest, err) < 0) /* the name is good: the environment */
		return nn_fail(err);
	if (mtu) {
		r = nn_parse_uint(mtu, NN_MTU_MIN, NN_MTU_MAX, &v);
		if (r == -ERANGE)
			return nn_usage_error(argv[0], "--mtu %s: out of range %u..%u", mtu,
					      NN_MTU_MIN, NN_MTU_MAX);
		if (r < 0)
			return nn_usage_error(argv[0], "--mtu '%s': not a number", mtu);
		cfg.mtu = (unsigned)v;
	}
	if ((cidr && nn_cidr_parse(cidr, "--cidr", &cfg.cidr, err) < 0) ||
	    (subnet && nn_cidr_parse(subnet, "--subnet", &cfg.subnet, err) < 0) ||
	    (gateway && nn_ip_parse(gateway, "--gateway", &cfg.bridge_ip, err) < 0))
		return nn_usage_error(argv[0], "%s", err->msg);
	if (subnet6 && !strcmp(subnet6, "none"))
		cfg.ipv6 = false;
	else if (subnet6 && nn_cidr6_parse(subnet6, "--subnet6", &cfg.subnet6, err) < 0)
		return nn_usage_error(argv[0], "%s", err->msg);
	cfg.allow_host_loopback = loopback;
	if (net && nn_engine_parse(net, &cfg.engine, err) < 0)
		return nn_usage_error(argv[0], "%s", err->msg);
	r = nn_nest_config_finish(&cfg, err);
	if (r < 0)
		return nn_usage_error(argv[0], "%s", err->msg);
	if (r == 1 && subnet6)
		return nn_usage_error(argv[0], "--subnet6 %s: IPv6 needs an MTU of at least %u "
				      "(RFC 8200 section 5), not --mtu %u", subnet6,
				      NN_IPV6_MTU_MIN, cfg.mtu);
	if (r == 1)
		nn_warn("%s", err->msg);
	if (nn_extengine_check(&cfg, err) < 0)
		return nn_fail(err);

	r = nn_nest_start(&cfg, detach, &st, err);
	if (st.notice[0])
		nn_warn("%s", st.notice);
	if (r < 0)
		return nn_fail(err);
	if (detach)
		return 0;
	err->code = 0;
	r = nn_nest_wait(&st, err);
	if (err->code)
		return nn_fail(err);
	return r == 0 ? 0 : EXIT_FAIL;
}

/* ---- down ---- */

static int down_usage(FILE *f, int status)
{
	fprintf(f,
		"Usage: netnest down [--nest NAME]\n"
		"\n"
		"Stop a running nest: its sandboxes, ports, engine, netns and state files go.\n"
		"Waits until the daemon is gone (SIGKILL after 10 s).\n"
		"\n"
		"  --nest NAME   nest name (default \"default\")\n"
		"  -h, --help    show this help\n");
	return status;
}

int cmd_down(int argc, char **argv, struct nn_err *err)
{
	static const struct option lo[] = {
		{ "nest", required_argument, NULL, OPT_NEST },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *nest = NN_NEST_DEFAULT;
	char dir[PATH_MAX];
	int c, r;

	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (c) {
		case OPT_NEST:
			if (nn_nest_arg(argv[0], optarg))
				return EXIT_USAGE;
			nest = optarg;
			break;
		case 'h': return down_usage(stdout, 0);
		default: return nn_opt_error(argv, c);
		}
	}
	if (optind < argc)
		return nn_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	if (nn_state_dir(nest, dir, err) < 0) /* the name is good: the environment */
		return nn_fail(err);
	r = nn_nest_stop(nest, dir, NULL, err);
	if (r < 0)
		return nn_fail(err);
	if (r > 0)
		nn_warn("%s", err->msg);
	return 0;
}

/* ---- info ---- */

static int info_usage(FILE *f, int status)
{
	fprintf(f,
		"Usage: netnest info [--nest NAME] [--json]\n"
		"\n"
		"Show a running nest, as its API answers GET /v1/info (RootlessKit's shape).\n"
		"\n"
		"  --nest NAME   nest name (default \"default\")\n"
		"  -j, --json    print JSON\n"
		"  -h, --help    show this help\n");
	return status;
}

/* Text: one "key.sub: value" line per leaf, in the API's own order. */
static void render_leaves(struct nn_out *o, const char *prefix, json_t *v)
{
	char key[256];
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, k, x) {
			snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "", k);
			render_leaves(o, key, x);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x) {
			snprintf(key, sizeof(key), "%s[%zu]", prefix, i);
			render_leaves(o, key, x);
		}
	} else {
		_cleanup_free_ char *s = json_is_string(v) ? NULL
							   : json_dumps(v, JSON_ENCODE_ANY);

		nn_out_text(o, "%s: %s\n", prefix, s ? s : json_string_value(v));
	}
}

int cmd_info(int argc, char **argv, struct nn_err *err)
{
	static const struct option lo[] = {
		{ "nest", required_argument, NULL, OPT_NEST },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *nest = NN_NEST_DEFAULT;
	char dir[PATH_MAX];
	bool json = false;
	json_t *resp = NULL;
	unsigned status;
	pid_t pid;
	int c;

	while ((c = getopt_long(argc, argv, ":jh", lo, NULL)) != -1) {
		switch (c) {
		case OPT_NEST:
			if (nn_nest_arg(argv[0], optarg))
				return EXIT_USAGE;
			nest = optarg;
			break;
		case 'j': json = true; break;
		case 'h': return info_usage(stdout, 0);
		default: return nn_opt_error(argv, c);
		}
	}
	if (optind < argc)
		return nn_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	if (nn_state_dir(nest, dir, err) < 0) /* the name is good: the environment */
		return nn_fail(err);
	if (nn_state_child_pid(dir, &pid, err) < 0)
		return nn_client_not_serving(nest, dir, err);
	if (nn_client_nest_request(nest, "GET", "/v1/info", NULL, &status, &resp, err) < 0)
		return nn_fail(err);
	if (json) {
		json_dumpf(resp, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	} else {
		struct nn_out *o = nn_out_new(stdout, false);

		if (o) {
			render_leaves(o, "", resp);
			nn_out_finish(o);
		}
	}
	json_decref(resp);
	return 0;
}
