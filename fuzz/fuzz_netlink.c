// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_netlink.c - what a netns's rtnetlink dumps put in the topology model: the input is
 * a stream of netlink messages as one recv(2) of a dump returns them, run as nn_rtnl_dump()
 * runs each datagram (nn_rtnl_run(): the lengths checked, then libmnl's mnl_cb_run()) into
 * the link, address and route parsers of topo.c in turn (nn_topo_{link,addr,route}_cb()).
 * The model of one netns that comes out is then paired and rendered as text, JSON and DOT,
 * the DOT checked for quoted strings that a name ended early.
 */
#include <stdbool.h>
#include <stdio.h>

#include "fuzz.h"
#include "lib/core/out.h"
#include "lib/core/rtnl.h"
#include "lib/inspect/topo_internal.h"

static FILE *devnull;

/*
 * dot_ok() - every line of the DOT output has its quotes paired: a name that brings its
 * own '"' or '\' must not end a quoted string early (Graphviz's grammar, "ID")
 */
static bool dot_ok(const char *s, size_t len)
{
	bool quoted = false;

	for (size_t i = 0; i < len; i++) {
		if (quoted && s[i] == '\\' && i + 1 < len && s[i + 1] != '\n')
			i++;
		else if (s[i] == '"')
			quoted = !quoted;
		else if (s[i] == '\n' && quoted)
			return false;
	}
	return !quoted;
}

static void render(struct nn_topo *t)
{
	char *dot = NULL;
	size_t len = 0;
	FILE *f;

	for (int json = 0; json < 2; json++) {
		struct nn_out *o = nn_out_new(devnull, json);

		if (!o)
			continue;
		nn_topo_render(t, o);
		nn_out_finish(o);
	}
	f = open_memstream(&dot, &len);
	if (!f)
		return;
	nn_topo_render_dot(t, f);
	fclose(f);
	if (!dot_ok(dot, len))
		abort();
	free(dot);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nn_ns ns = { .type = NN_NS_NET, .id = { 4, 4026531840 }, .fd = -1,
			    .netnsid = NN_NETNSID_UNKNOWN };
	struct nn_topo t = { 0 };
	struct nn_topo_netns *n;
	/* the stream is read as aligned struct nlmsghdr: an aligned copy, as recv(2) fills */
	void *buf = malloc(size ? size : 1);

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	t.netns = calloc(1, sizeof(*t.netns));
	if (!buf || !t.netns || !devnull) {
		free(buf);
		free(t.netns);
		return 0;
	}
	memcpy(buf, data, size);
	t.n = 1;
	n = &t.netns[0];
	n->ns = &ns;
	n->read = true;
	n->role = NN_ROLE_CONTAINER;
	snprintf(n->label, sizeof(n->label), "fuzz");
	nn_rtnl_run(buf, size, 0, 0, nn_topo_link_cb, n);
	nn_rtnl_run(buf, size, 0, 0, nn_topo_addr_cb, n);
	nn_rtnl_run(buf, size, 0, 0, nn_topo_route_cb, n);
	nn_topo_pair_veths(&t);
	render(&t);
	nn_topo_free(&t);
	free(buf);
	return 0;
}
