// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_port.c - netnest port add|ls|rm: published ports, over the nest's API (api.h) */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "lib/nest/client.h"
#include "lib/core/out.h"
#include "lib/nest/portspec.h"
#include "lib/nest/sandbox.h"
#include "lib/core/state.h"
#include "lib/core/util.h"

static int port_usage(FILE *f, int status)
{
	fprintf(f,
		"Usage: netnest port add [--nest NAME] [SANDBOX] "
		"[HOSTIP:]HOSTPORT[-LAST]:PORT[-LAST][/tcp|/udp]\n"
		"       netnest port ls  [--nest NAME] [--json]\n"
		"       netnest port rm  [--nest NAME] ID...\n"
		"\n"
		"Publish a port: listen on the host (HOSTIP, default all addresses, IPv4 and IPv6)\n"
		"and forward each connection (or, for udp, each client's datagrams) to PORT of\n"
		"SANDBOX, or to 127.0.0.1:PORT inside the nest when no sandbox is named.  IPv6\n"
		"clients reach a dual-stack sandbox at its IPv6 address, an IPv4-only one at its\n"
		"IPv4 address.  A sandbox's ports are removed when it exits.  IPv6 host addresses\n"
		"go in brackets: [::1]:8080:80.  Ranges of one size publish a port each, all or\n"
		"nothing: 8000-8002:80-82.  rootlessctl (RootlessKit) sees the same ports.\n"
		"\n"
		"Options:\n"
		"  -n, --nest NAME  the nest (default \"default\")\n"
		"  -j, --json       ls: print JSON\n"
		"  -h, --help       show this help\n");
	return status;
}

/* port_post() - POST port @spec (of @sandbox, or NULL) and set @id */
static int port_post(const char *nest, const struct nn_portspec *spec, const char *sandbox,
		     long long *id, struct nn_err *err)
{
	_cleanup_json_ json_t *req = nn_portspec_to_json(spec), *resp = NULL;
	unsigned status;
	int r;

	if (!req)
		return nn_err(err, ENOMEM, "publish host port %u", spec->parent_port);
	/* the daemon picks the sandbox's address of each family (docs/ports.md#ipv6) */
	if (sandbox)
		json_object_set_new(req, "sandbox", json_string(sandbox));
	r = nn_client_nest_request(nest, "POST", "/v1/ports", req, &status, &resp, err);
	if (r < 0 && status == 404) /* the daemon's "no sandbox named X" */
		return nn_err_wrap(err, "nest %s", nest);
	if (r < 0)
		return r;
	*id = json_integer_value(json_object_get(resp, "id"));
	return 0;
}

/* port_delete() - DELETE port @id, what went wrong ignored (undoing a range) */
static void port_delete(const char *nest, long long id)
{
	char path[64];
	unsigned status;

	snprintf(path, sizeof(path), "/v1/ports/%lld", id);
	nn_client_nest_request(nest, "DELETE", path, NULL, &status, NULL, &(struct nn_err){ 0 });
}

/*
 * A range is published port by port, all or nothing: when one fails, the ones published
 * before are removed and the error names the port (docker run -p 8000-8002:80-82 makes
 * one mapping per port too).  The IDs are printed once all are published, one a line.
 */
static int port_add(const char *nest, int argc, char **argv, struct nn_err *err)
{
	struct nn_portspec first;
	const char *sandbox = argc == 2 ? argv[0] : NULL, *s = argv[argc - 1], *why;
	_cleanup_free_ long long *ids = NULL;
	unsigned count;

	if (argc < 1 || argc > 2)
		return nn_usage_error("port", "add takes [SANDBOX] SPEC");
	if (nn_portspec_parse(s, &first, &count, err) < 0)
		return nn_usage_error("port", "%s", err->msg);
	if (sandbox && !nn_valid_name(sandbox, NN_NAME_MAX, &why))
		return nn_usage_error("port", "sandbox name \"%s\" %s", sandbox, why);
	ids = calloc(count, sizeof(*ids));
	if (!ids)
		return nn_err(err, ENOMEM, "port spec \"%s\"", s);
	for (unsigned i = 0; i < count; i++) {
		struct nn_portspec spec = nn_portspec_nth(&first, i);

		if (port_post(nest, &spec, sandbox, &ids[i], err) == 0)
			continue;
		while (i--)
			port_delete(nest, ids[i]);
		if (count > 1)
			nn_portspec_range_wrap(err, s, &spec);
		return nn_fail(err);
	}
	for (unsigned i = 0; i < count; i++)
		printf("%lld\n", ids[i]);
	return 0;
}

static int port_ls(const char *nest, bool json, struct nn_err *err)
{
	_cleanup_json_ json_t *resp = NULL;
	json_t *p;
	struct nn_out *o;
	unsigned status;
	size_t i;

	if (nn_client_nest_request(nest, "GET", "/v1/ports", NULL, &status, &resp, err) < 0)
		return nn_fail(err);
	o = nn_out_new(stdout, json);
	if (!o)
		return nn_err(err, ENOMEM, "list ports");
	nn_out_text(o, "%-4s %-5s %-15s %-8s %-16s %-15s %-9s %s\n", "ID", "PROTO", "HOSTIP",
		    "HOSTPORT", "SANDBOX", "CHILDIP", "CHILDPORT", "CHILDIP6");
	nn_out_open_array(o, "ports");
	json_array_foreach(resp, i, p) {
		json_t *spec = json_object_get(p, "spec");
		const char *hip = json_string_value(json_object_get(spec, "parentIP"));
		const char *sb = json_string_value(json_object_get(p, "sandbox"));
		const char *cip6 = json_string_value(json_object_get(p, "child_ip6"));
		struct nn_portspec ps;
		bool ok = nn_portspec_from_json(spec, &ps, NULL) == 0;
		const char *cip = ok ? nn_portspec_child_ip(&ps) : "?";
		bool only6 = ok && nn_portspec_families(&ps) == NN_PORT_V6;

		nn_out_open_object(o, NULL);
		nn_out_uint(o, "id", "%-4llu ", json_integer_value(json_object_get(p, "id")));
		nn_out_string(o, "proto", "%-5s ",
			      json_string_value(json_object_get(spec, "proto")) ?: "tcp");
		nn_out_string(o, "host_ip", "%-15s ", hip ?: only6 ? "::" : "0.0.0.0");
		nn_out_uint(o, "host_port", "%-8llu ",
			    json_integer_value(json_object_get(spec, "parentPort")));
		if (sb)
			nn_out_string(o, "sandbox", "%-16s ", sb);
		else
			nn_out_null(o, "sandbox", "%-16s ");
		nn_out_string(o, "child_ip", "%-15s ", cip);
		nn_out_uint(o, "child_port", "%-9llu ",
			    json_integer_value(json_object_get(spec, "childPort")));
		/* only where IPv6 clients dial another address (a dual-stack sandbox) */
		if (cip6)
			nn_out_string(o, "child_ip6", "%s", cip6);
		else
			nn_out_text(o, "-");
		nn_out_text(o, "\n");
		nn_out_close(o);
	}
	nn_out_close(o);
	if (nn_out_finish(o) < 0)
		return nn_err(err, EIO, "write the port list");
	return 0;
}

static int port_rm(const char *nest, int argc, char **argv, struct nn_err *err)
{
	int ret = 0;

	if (argc < 1)
		return nn_usage_error("port", "rm takes one or more port IDs");
	for (int i = 0; i < argc; i++) {
		unsigned long id;

		if (nn_parse_uint(argv[i], 1, INT32_MAX, &id) < 0)
			return nn_usage_error("port", "\"%s\" is not a port ID", argv[i]);
	}
	for (int i = 0; i < argc; i++) {
		char path[64];
		unsigned status;

		snprintf(path, sizeof(path), "/v1/ports/%s", argv[i]);
		if (nn_client_nest_request(nest, "DELETE", path, NULL, &status, NULL, err) < 0) {
			/* the API's own text is RootlessKit's ("unknown id: 99"): say whose */
			if (status >= 400 && status < 500)
				nn_err_wrap(err, "nest %s: remove port", nest);
			ret = nn_print_err(err);
		}
	}
	return ret;
}

int cmd_port(int argc, char **argv, struct nn_err *err)
{
	static const struct option lo[] = {
		{ "nest", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *nest = NN_NEST_DEFAULT, *sub;
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, ":n:jh", lo, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (nn_nest_arg(argv[0], optarg))
				return EXIT_USAGE;
			nest = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			return port_usage(stdout, 0);
		default:
			return nn_opt_error(argv, c);
		}
	}
	if (optind >= argc)
		return nn_usage_error("port", "missing subcommand: add, ls or rm");
	sub = argv[optind++];
	if (json && strcmp(sub, "ls") && strcmp(sub, "list"))
		return nn_usage_error("port", "--json goes with ls");
	if (!strcmp(sub, "add"))
		return port_add(nest, argc - optind, argv + optind, err);
	if (!strcmp(sub, "ls") || !strcmp(sub, "list")) {
		if (optind < argc)
			return nn_usage_error("port", "unexpected argument \"%s\"", argv[optind]);
		return port_ls(nest, json, err);
	}
	if (!strcmp(sub, "rm") || !strcmp(sub, "remove"))
		return port_rm(nest, argc - optind, argv + optind, err);
	return nn_usage_error("port", "unknown subcommand \"%s\": add, ls or rm", sub);
}
