// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_topo_render.c - the output of `netnest topo`, text, JSON and DOT, on a fixed model
 * built here (a host, a nest with its tap, bridge and a sandbox's veth, the sandbox, a netns
 * that could not be read), compared byte for byte with tests/unit/golden/topo.{txt,json,dot}
 * (util-linux's tests/expected habit): a change of output is a diff in the tree.
 *
 * NN_GOLDEN_UPDATE=1 writes the files from this run instead (HACKING.md, "Golden files").
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/core/out.h"
#include "lib/core/util.h"
#include "lib/inspect/topo_internal.h"

enum { HOST, NEST, SANDBOX, HIDDEN, NNS };
#define MAXL 5

struct fixture {
	struct nn_ns ns[NNS];
	struct nn_topo_netns netns[NNS];
	struct nn_topo_link links[NNS][MAXL];
	struct nn_topo_addr addrs[NNS][MAXL][3];
	struct nn_topo_route routes[NNS][3];
	struct nn_topo_nsid nsids[NNS][1];
	struct nn_topo_holder holder;
	pid_t pids[NNS][2];
	struct nn_topo t;
};

static struct nn_topo_netns *netns(struct fixture *f, size_t i, uint64_t ino,
				   enum nn_topo_role role, const char *label, pid_t p0, pid_t p1)
{
	struct nn_topo_netns *n = &f->netns[i];

	f->pids[i][0] = p0;
	f->pids[i][1] = p1;
	f->ns[i] = (struct nn_ns){ .type = NN_NS_NET, .id = { 4, ino }, .fd = -1,
				   .pids = f->pids[i], .npids = p1 ? 2 : 1,
				   .netnsid = NN_NETNSID_UNASSIGNED };
	*n = (struct nn_topo_netns){ .ns = &f->ns[i], .role = role, .read = true,
				     .links = f->links[i], .routes = f->routes[i],
				     .nsids = f->nsids[i] };
	snprintf(n->label, sizeof(n->label), "%s", label);
	return n;
}

static struct nn_topo_link *link_(struct fixture *f, size_t ns, int idx, const char *name,
				  const char *kind, const char *state, unsigned mtu,
				  const char *mac)
{
	struct nn_topo_netns *n = &f->netns[ns];
	struct nn_topo_link *l = &n->links[n->nlinks];

	*l = (struct nn_topo_link){ .ifindex = idx, .type = ARPHRD_ETHER, .mtu = mtu,
				    .link_netnsid = -1, .peer_ns = -1,
				    .addrs = f->addrs[ns][n->nlinks] };
	n->nlinks++;
	snprintf(l->ifname, sizeof(l->ifname), "%s", name);
	snprintf(l->kind, sizeof(l->kind), "%s", kind);
	snprintf(l->operstate, sizeof(l->operstate), "%s", state);
	snprintf(l->address, sizeof(l->address), "%s", mac);
	return l;
}

static void addr(struct nn_topo_link *l, int family, const char *local, unsigned prefix)
{
	struct nn_topo_addr *a = &l->addrs[l->naddrs++];

	a->family = family;
	a->prefixlen = prefix;
	snprintf(a->local, sizeof(a->local), "%s", local);
}

static void route(struct fixture *f, size_t ns, const char *dst, const char *gw, int oif,
		  const char *src)
{
	struct nn_topo_netns *n = &f->netns[ns];
	struct nn_topo_route *r = &n->routes[n->nroutes++];

	*r = (struct nn_topo_route){ .family = AF_INET, .oif = oif };
	snprintf(r->dst, sizeof(r->dst), "%s", dst);
	snprintf(r->gateway, sizeof(r->gateway), "%s", gw);
	snprintf(r->prefsrc, sizeof(r->prefsrc), "%s", src);
}

static struct nn_topo_link *lo(struct fixture *f, size_t ns)
{
	struct nn_topo_link *l = link_(f, ns, 1, "lo", "", "UNKNOWN", 65536,
				       "00:00:00:00:00:00");

	l->type = ARPHRD_LOOPBACK;
	addr(l, AF_INET, "127.0.0.1", 8);
	addr(l, AF_INET6, "::1", 128);
	return l;
}

/*
 * The model `netnest up` + `netnest run --name web` gives, as topo reads it: the nest's
 * engine holds tap0 from the host netns, the sandbox's eth0 is the peer of a port of
 * netnest0, and one netns of another user could not be read.
 */
static void build(struct fixture *f)
{
	struct nn_topo_link *l;

	memset(f, 0, sizeof(*f));
	netns(f, HOST, 4026531840, NN_ROLE_HOST, "host", 1, 812);
	f->ns[HOST].initial = true;
	lo(f, HOST);
	l = link_(f, HOST, 2, "eth0", "", "UP", 1500, "52:54:00:12:34:56");
	addr(l, AF_INET, "192.168.122.10", 24);
	route(f, HOST, "default", "192.168.122.1", 2, "");
	route(f, HOST, "192.168.122.0/24", "", 2, "192.168.122.10");

	netns(f, NEST, 4026532280, NN_ROLE_NEST, "nest default", 1000, 0);
	lo(f, NEST);
	l = link_(f, NEST, 2, "tap0", "tun", "UNKNOWN", 65520, "2a:6e:5b:0c:71:9e");
	l->tun_type = 2;
	addr(l, AF_INET, "10.0.2.100", 24);
	f->holder = (struct nn_topo_holder){ .pid = 1001, .comm = "netnest-engine",
					     .netns = 4026531840 };
	l->holders = &f->holder;
	l->nholders = 1;
	l = link_(f, NEST, 3, "netnest0", "bridge", "UP", 65520, "ee:1f:3c:40:aa:01");
	addr(l, AF_INET, "10.4.0.1", 24);
	addr(l, AF_INET6, "fd00:4::1", 64);
	l = link_(f, NEST, 4, "veth1a2b3c4d", "veth", "UP", 65520, "ee:1f:3c:40:aa:01");
	snprintf(l->slave_kind, sizeof(l->slave_kind), "bridge");
	l->master = 3;
	l->link = 2;
	l->link_netnsid = 0;
	f->nsids[NEST][0] = (struct nn_topo_nsid){ 0, SANDBOX };
	f->netns[NEST].nnsids = 1;
	route(f, NEST, "default", "10.0.2.2", 2, "");
	route(f, NEST, "10.0.2.0/24", "", 2, "10.0.2.100");
	route(f, NEST, "10.4.0.0/24", "", 3, "10.4.0.1");

	netns(f, SANDBOX, 4026532301, NN_ROLE_SANDBOX, "sandbox web", 1200, 1201);
	lo(f, SANDBOX);
	l = link_(f, SANDBOX, 2, "eth0", "veth", "UP", 65520, "d2:4c:19:7e:05:b3");
	addr(l, AF_INET, "10.4.0.2", 24);
	addr(l, AF_INET6, "fd00:4::2", 64);
	addr(l, AF_INET6, "fe80::d04c:19ff:fe7e:5b3", 64); /* link-local: not on the chain */
	l->link = 4;
	l->link_netnsid = 0;
	f->nsids[SANDBOX][0] = (struct nn_topo_nsid){ 0, NEST };
	f->netns[SANDBOX].nnsids = 1;
	route(f, SANDBOX, "default", "10.4.0.1", 2, "");
	route(f, SANDBOX, "10.4.0.0/24", "", 2, "10.4.0.2");

	netns(f, HIDDEN, 4026532400, NN_ROLE_NETNS, "netns", 3000, 0);
	f->netns[HIDDEN].read = false;

	f->t.netns = f->netns;
	f->t.n = NNS;
	nn_topo_pair_veths(&f->t);
	assert_int_equal(f->t.ngaps, 0);
	nn_topo_add_gap(&f->t, EPERM, "netns 4026532400 (owned by user ns 4026532500): open "
			"netlink socket inside");
}

static void unbuild(struct fixture *f)
{
	for (size_t i = 0; i < f->t.ngaps; i++)
		free(f->t.gaps[i].what);
	free(f->t.gaps);
}

/* golden() - @got (@len bytes) must be tests/unit/golden/@name, or becomes it on update */
static void golden(const char *name, const char *got, size_t len)
{
	const char *update = getenv("NN_GOLDEN_UPDATE");
	_cleanup_free_ char *want = NULL;
	char path[4096], out[4096];
	size_t wlen = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/unit/golden/%s", NN_SRCDIR, name);
	if (update && !strcmp(update, "1")) {
		f = fopen(path, "w");
		assert_non_null(f);
		assert_int_equal(fwrite(got, 1, len, f), len);
		assert_int_equal(fclose(f), 0);
		print_message("wrote %s\n", path);
		return;
	}
	if (nn_read_file(AT_FDCWD, path, &want, &wlen, NULL) < 0)
		fail_msg("cannot read %s (NN_GOLDEN_UPDATE=1 writes it)", path);
	if (wlen == len && !memcmp(want, got, len))
		return;
	/* what came out, in the test's working directory, for diff -u */
	if (!getcwd(out, sizeof(out) - 64))
		snprintf(out, sizeof(out), ".");
	snprintf(out + strlen(out), sizeof(out) - strlen(out), "/%s.out", name);
	f = fopen(out, "w");
	if (f) {
		fwrite(got, 1, len, f);
		fclose(f);
	}
	fail_msg("%s differs from this run's output: diff -u %s %s (NN_GOLDEN_UPDATE=1 "
		 "updates the file when the change is meant)", name, path, out);
}

static void render(const struct nn_topo *t, int how, char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);
	struct nn_out *o;

	assert_non_null(f);
	if (how == 2) {
		assert_int_equal(nn_topo_render_dot(t, f), 0);
	} else {
		o = nn_out_new(f, how == 1);
		assert_non_null(o);
		nn_topo_render(t, o);
		assert_int_equal(nn_out_finish(o), 0);
	}
	assert_int_equal(fclose(f), 0);
}

/* rendered() - the fixed model rendered as @how (0 text, 1 JSON, 2 DOT) is golden @name */
static void rendered(int how, const char *name)
{
	struct fixture f;
	_cleanup_free_ char *buf = NULL;
	size_t len;

	build(&f);
	render(&f.t, how, &buf, &len);
	golden(name, buf, len);
	unbuild(&f);
}

static void topo_text_is_the_golden_file(void **state)
{
	(void)state;
	rendered(0, "topo.txt");
}

static void topo_json_is_the_golden_file(void **state)
{
	(void)state;
	rendered(1, "topo.json");
}

static void topo_dot_is_the_golden_file(void **state)
{
	(void)state;
	rendered(2, "topo.dot");
}

/* a name with '"' ended its DOT string early, and dot refused the graph */
static void names_with_quotes_stay_inside_their_dot_strings(void **state)
{
	struct fixture f = { 0 };
	_cleanup_free_ char *buf = NULL;
	struct nn_topo_link *tap = &f.links[NEST][1];
	size_t len;

	(void)state;
	build(&f);
	snprintf(tap->ifname, sizeof(tap->ifname), "a\"b\\c");
	snprintf(f.netns[SANDBOX].label, sizeof(f.netns[SANDBOX].label), "sandbox \"x\"");
	snprintf(f.holder.comm, sizeof(f.holder.comm), "ev\"il\n");
	render(&f.t, 2, &buf, &len);
	assert_non_null(strstr(buf, "\"4026532280_2\" [label=\"a\\\"b\\\\c\\n10.0.2.100/24\"];\n"));
	assert_non_null(strstr(buf, "    label=\"netns 4026532301\\nsandbox \\\"x\\\"\";\n"));
	assert_non_null(strstr(buf, "\"pid1001\" [shape=ellipse, label=\"ev\\\"il\\n[1001]\"];\n"));
	unbuild(&f);
}

/* the text of the fixed model, as a string the caller frees */
static char *text_of(const struct fixture *f)
{
	char *buf = NULL;
	size_t len;

	render(&f->t, 0, &buf, &len);
	return buf;
}

/*
 * A nest or RootlessKit child that no container's or sandbox's chain passes through ends
 * a chain of its own (`netnest up` before any `run`, `netnest rootlesskit CMD`); one that
 * a chain passes through does not (the golden files: the nest behind sandbox web).
 */
static void a_nest_or_rootlesskit_child_with_nothing_behind_it_ends_a_chain(void **state)
{
	static const char chain[] = "host -> netnest-engine[1001] -> tap0 10.0.2.100/24 "
				    "(netns 4026532280 %s, pids 1000)\n";
	struct fixture f;
	char want[256];
	_cleanup_free_ char *sandbox = NULL, *nest = NULL, *rk = NULL, *plain = NULL;

	(void)state;
	build(&f);
	sandbox = text_of(&f);
	assert_null(strstr(sandbox, "(netns 4026532280 nest default, pids 1000)\n"));
	/* the sandbox is gone from the model: the nest ends its chain */
	f.netns[SANDBOX].role = NN_ROLE_NETNS;
	nest = text_of(&f);
	snprintf(want, sizeof(want), chain, "nest default");
	assert_int_equal(strncmp(nest, want, strlen(want)), 0);
	assert_int_equal(nest[strlen(want)], '\n'); /* one chain, then the blank line */
	/* the same netns as RootlessKit's child */
	f.netns[NEST].role = NN_ROLE_RK_CHILD;
	snprintf(f.netns[NEST].label, sizeof(f.netns[NEST].label), "rootlesskit-child");
	rk = text_of(&f);
	snprintf(want, sizeof(want), chain, "rootlesskit-child");
	assert_int_equal(strncmp(rk, want, strlen(want)), 0);
	/* any other netns with a default route does not */
	f.netns[NEST].role = NN_ROLE_NETNS;
	plain = text_of(&f);
	assert_int_equal(strncmp(plain, "netns 4026531840 host", 21), 0);
	unbuild(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(topo_text_is_the_golden_file),
		cmocka_unit_test(topo_json_is_the_golden_file),
		cmocka_unit_test(topo_dot_is_the_golden_file),
		cmocka_unit_test(names_with_quotes_stay_inside_their_dot_strings),
		cmocka_unit_test(a_nest_or_rootlesskit_child_with_nothing_behind_it_ends_a_chain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
