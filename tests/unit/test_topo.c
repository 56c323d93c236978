// SPDX-License-Identifier: GPL-2.0-or-later
/* test_topo.c - veth pairing by nsid on hand-built models (index collisions, one-sided) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/inspect/topo_internal.h"

#define MAXL 4

/* a model of up to 3 netns; links and nsid maps filled by each test */
struct fixture {
	struct nn_ns ns[3];
	struct nn_topo_netns netns[3];
	struct nn_topo_link links[3][MAXL];
	struct nn_topo_nsid nsids[3][2];
	struct nn_topo t;
};

static void init(struct fixture *f, size_t n)
{
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < n; i++) {
		f->ns[i] = (struct nn_ns){ .type = NN_NS_NET, .id = { 7, 4026530000 + i }, .fd = -1 };
		f->netns[i] = (struct nn_topo_netns){ .ns = &f->ns[i], .read = true,
						      .links = f->links[i], .nsids = f->nsids[i] };
	}
	f->t.netns = f->netns;
	f->t.n = n;
}

static struct nn_topo_link *add_link(struct fixture *f, size_t ns, const char *name, int idx,
				     const char *kind, int link, int netnsid)
{
	struct nn_topo_link *l = &f->links[ns][f->netns[ns].nlinks++];

	*l = (struct nn_topo_link){ .ifindex = idx, .link = link, .link_netnsid = netnsid,
				    .peer_ns = -1 };
	strcpy(l->ifname, name);
	strcpy(l->kind, kind);
	return l;
}

static void add_nsid(struct fixture *f, size_t ns, int nsid, size_t to)
{
	f->nsids[ns][f->netns[ns].nnsids++] = (struct nn_topo_nsid){ nsid, (ssize_t)to };
}

static void free_gaps(struct nn_topo *t)
{
	for (size_t i = 0; i < t->ngaps; i++)
		free(t->gaps[i].what);
	free(t->gaps);
}

/* the peer.bats layout: hub H (0) with bridges at index 2 and 20; A (1), B (2) */
static void peers_with_colliding_indexes_resolve_through_the_nsid(void **state)
{
	struct fixture f;
	struct nn_topo_link *va, *vb, *ea, *eb;

	(void)state;
	init(&f, 3);
	add_link(&f, 0, "fill2", 2, "bridge", 0, -1);
	add_link(&f, 0, "fill20", 20, "bridge", 0, -1);
	va = add_link(&f, 0, "vethA", 30, "veth", 2, 0);
	vb = add_link(&f, 0, "vethB", 31, "veth", 20, 1);
	ea = add_link(&f, 1, "eth0", 2, "veth", 30, 0);
	add_link(&f, 2, "fill2", 2, "bridge", 0, -1);
	eb = add_link(&f, 2, "eth0", 20, "veth", 31, 5);
	add_nsid(&f, 0, 0, 1);
	add_nsid(&f, 0, 1, 2);
	add_nsid(&f, 1, 0, 0);
	add_nsid(&f, 2, 5, 0);
	nn_topo_pair_veths(&f.t);
	assert_int_equal(va->peer_ns, 1);
	assert_int_equal(va->peer_ifindex, 2);
	assert_int_equal(vb->peer_ns, 2);
	assert_int_equal(vb->peer_ifindex, 20);
	assert_int_equal(ea->peer_ns, 0);
	assert_int_equal(ea->peer_ifindex, 30);
	assert_int_equal(eb->peer_ns, 0);
	assert_int_equal(eb->peer_ifindex, 31);
	assert_true(va->peer_symmetric && vb->peer_symmetric);
	assert_true(ea->peer_symmetric && eb->peer_symmetric);
	assert_int_equal(f.t.ngaps, 0);
}

static void a_veth_without_netnsid_pairs_in_its_own_netns(void **state)
{
	struct fixture f;
	struct nn_topo_link *a, *b;

	(void)state;
	init(&f, 2);
	add_link(&f, 1, "x", 5, "veth", 0, -1);  /* same names and indexes elsewhere */
	add_link(&f, 1, "y", 6, "veth", 0, -1);
	a = add_link(&f, 0, "x", 5, "veth", 6, -1);
	b = add_link(&f, 0, "y", 6, "veth", 5, -1);
	nn_topo_pair_veths(&f.t);
	assert_int_equal(a->peer_ns, 0);
	assert_int_equal(a->peer_ifindex, 6);
	assert_int_equal(b->peer_ns, 0);
	assert_true(a->peer_symmetric && b->peer_symmetric);
}

static void an_unknown_nsid_or_a_non_veth_peer_is_a_gap_not_a_guess(void **state)
{
	struct fixture f;
	struct nn_topo_link *a, *b;

	(void)state;
	init(&f, 2);
	a = add_link(&f, 0, "v0", 3, "veth", 2, 9);          /* nsid 9: not in the map */
	b = add_link(&f, 0, "v1", 4, "veth", 2, 0);          /* index 2 there is a bridge */
	add_link(&f, 1, "br0", 2, "bridge", 0, -1);
	add_nsid(&f, 0, 0, 1);
	nn_topo_pair_veths(&f.t);
	assert_int_equal(a->peer_ns, -1);
	assert_int_equal(b->peer_ns, -1);
	assert_int_equal(f.t.ngaps, 2);
	assert_non_null(strstr(f.t.gaps[0].what, "link-netnsid 9"));
	assert_int_equal(f.t.gaps[0].code, ENXIO);
	assert_int_equal(f.t.gaps[1].code, ENODEV);
	free_gaps(&f.t);
}

static void a_pair_that_does_not_point_back_is_one_sided(void **state)
{
	struct fixture f;
	struct nn_topo_link *a, *b;

	(void)state;
	init(&f, 2);
	a = add_link(&f, 0, "v0", 3, "veth", 7, 0);
	b = add_link(&f, 1, "e0", 7, "veth", 4, 0);          /* points at index 4, not 3 */
	add_link(&f, 0, "v9", 4, "veth", 8, 0);          /* whose peer is not there */
	add_nsid(&f, 0, 0, 1);
	add_nsid(&f, 1, 0, 0);
	nn_topo_pair_veths(&f.t);
	assert_int_equal(a->peer_ns, 1);
	assert_int_equal(a->peer_ifindex, 7);
	assert_false(a->peer_symmetric);
	assert_int_equal(b->peer_ifindex, 4);
	assert_false(b->peer_symmetric);
	free_gaps(&f.t);
}

static void a_peer_in_an_unreadable_netns_keeps_netns_and_index(void **state)
{
	struct fixture f;
	struct nn_topo_link *a;

	(void)state;
	init(&f, 2);
	f.netns[1].read = false;
	a = add_link(&f, 0, "v0", 3, "veth", 2, 0);
	add_nsid(&f, 0, 0, 1);
	nn_topo_pair_veths(&f.t);
	assert_int_equal(a->peer_ns, 1);
	assert_int_equal(a->peer_ifindex, 2);
	assert_false(a->peer_symmetric);
	assert_null(nn_topo_find_link(&f.t, 1, NULL, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(peers_with_colliding_indexes_resolve_through_the_nsid),
		cmocka_unit_test(a_veth_without_netnsid_pairs_in_its_own_netns),
		cmocka_unit_test(an_unknown_nsid_or_a_non_veth_peer_is_a_gap_not_a_guess),
		cmocka_unit_test(a_pair_that_does_not_point_back_is_one_sided),
		cmocka_unit_test(a_peer_in_an_unreadable_netns_keeps_netns_and_index),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
