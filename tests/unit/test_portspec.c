// SPDX-License-Identifier: GPL-2.0-or-later
/* test_portspec.c - Docker -p specs, RootlessKit PortSpec JSON, the conflict rule */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "lib/nest/portspec.h"

/* refused() - @spec is rejected with a message naming it and containing @why */
static void refused(const char *spec, const char *why)
{
	struct nn_portspec p;
	struct nn_err err = { 0 };
	char quoted[128];
	unsigned count = 7;

	assert_int_equal(nn_portspec_parse(spec, &p, &count, &err), -EINVAL);
	assert_int_equal(count, 0);
	snprintf(quoted, sizeof(quoted), "\"%s\"", spec);
	if (!strstr(err.msg, quoted) || !strstr(err.msg, why))
		fail_msg("spec %s: message \"%s\" lacks %s or \"%s\"", spec, err.msg, quoted, why);
}

static void bad_specs_are_refused_with_the_reason(void **state)
{
	(void)state;
	refused("80", "missing sandbox port");
	refused("0:80", "port 0 is out of range 1-65535");
	refused("8080:0", "port 0 is out of range 1-65535");
	refused("65536:80", "port 65536 is out of range 1-65535");
	refused("abc:80", "\"abc\" is not a port number");
	refused("8080:", "\"\" is not a port number");
	refused("[::1:8080:80", "missing ']'");
	refused("[::1]8080:80", "expected ':' after ']'");
	refused("::1:8080:80", "must be in brackets");
	/* one field too many is that, not an IPv6 address out of brackets */
	refused("127.0.0.1:18400:80:90", "too many ':' (want [hostIP:]hostPort:sandboxPort");
	refused("1:2:3:4", "too many ':'");
	refused("[::1]:8080:80:1", "too many ':'");
	refused("1.2.3:8080:80", "\"1.2.3\" is not an IPv4 address");
	refused("[1.2.3.4]:8080:80", "is not an IPv6 address");
	refused("[::ffff:127.0.0.1]:8080:80/tcp6", "host address ::ffff:127.0.0.1 is not an IPv6 "
		"address (tcp6): an IPv4-mapped address is its IPv4 address");
	refused("8080:80/sctp", "sctp is not supported: netnest publishes tcp and udp");
	refused("8080:80/icmp", "unknown protocol \"icmp\"");
	refused("[::1]:8080:80/tcp4", "host address ::1 is not an IPv4 address (tcp4)");
	refused("127.0.0.1:8080:80/udp6", "host address 127.0.0.1 is not an IPv6 address (udp6)");
	/* a link-local address: the kernel's bare EINVAL at bind named neither (a user trial) */
	refused("[fe80::1]:8080:80", "port spec \"[fe80::1]:8080:80\": host address fe80::1 is "
		"link-local: a socket on it needs an interface, which a port spec cannot name "
		"(publish on a global address, or on all)");
	refused("[FE80::1]:8080:80/udp", "host address fe80::1 is link-local");
	refused("-1:80", "\"-1\" is not a port number");
	/* ranges, as docker run --publish writes them: sizes that differ */
	refused("8000-8002:80-81", "host ports 8000-8002 (3) and sandbox ports 80-81 (2) "
				   "differ in number");
	refused("8000-8001:80", "host ports 8000-8001 (2) and sandbox port 80 (1) differ");
	refused("8000:80-81/udp", "host port 8000 (1) and sandbox ports 80-81 (2) differ");
	refused("8000-8002:80", "host ports 8000-8002 (3) and sandbox port 80 (1) differ");
	refused("[::1]:8000-8001:80-81/udp4", "host address ::1 is not an IPv4 address (udp4)");
	refused("8002-8000:80-82", "port range 8002-8000 runs backwards");
	refused("8000-:80", "\"8000-\" is not a port range");
	refused("8000-70000:80", "port 70000 is out of range 1-65535");
}

static void good_specs_are_parsed(void **state)
{
	struct nn_portspec p;
	struct nn_err err = { 0 };
	unsigned count;

	(void)state;
	assert_int_equal(nn_portspec_parse("8080:80", &p, &count, &err), 0);
	assert_int_equal(count, 1);
	assert_string_equal(p.proto, "tcp");
	assert_string_equal(p.parent_ip, "");
	assert_int_equal(p.parent_port, 8080);
	assert_int_equal(p.child_port, 80);
	assert_string_equal(p.child_ip, "");

	assert_int_equal(nn_portspec_parse("127.0.0.1:1:65535/tcp", &p, &count, &err), 0);
	assert_string_equal(p.parent_ip, "127.0.0.1");
	assert_int_equal(p.parent_port, 1);
	assert_int_equal(p.child_port, 65535);

	assert_int_equal(nn_portspec_parse("[::1]:8080:80", &p, &count, &err), 0);
	assert_string_equal(p.parent_ip, "::1");
	assert_int_equal(p.parent_port, 8080);

	assert_int_equal(nn_portspec_parse("[0:0::1]:8080:80/tcp6", &p, &count, &err), 0);
	assert_string_equal(p.parent_ip, "::1"); /* canonical form */
	assert_string_equal(p.proto, "tcp6");

	assert_int_equal(nn_portspec_parse("5353:53/udp", &p, &count, &err), 0);
	assert_string_equal(p.proto, "udp");
	assert_true(nn_portspec_is_udp(&p));
	assert_int_equal(nn_portspec_parse("127.0.0.1:5353:53/udp4", &p, &count, &err), 0);
	assert_string_equal(p.proto, "udp4");
	/* the protocol in any case, as docker run -p takes it */
	assert_int_equal(nn_portspec_parse("8080:80/TCP", &p, &count, &err), 0);
	assert_string_equal(p.proto, "tcp");
	assert_int_equal(nn_portspec_parse("5353:53/Udp6", &p, &count, &err), 0);
	assert_string_equal(p.proto, "udp6");
}

/* Docker's nat.ParsePortSpec: an equal-size range is one mapping per port, i to i */
static void equal_ranges_are_one_port_each(void **state)
{
	struct nn_portspec p, q;
	struct nn_err err = { 0 };
	unsigned count;

	(void)state;
	assert_int_equal(nn_portspec_parse("8000-8002:80-82", &p, &count, &err), 0);
	assert_int_equal(count, 3);
	assert_string_equal(p.proto, "tcp");
	assert_int_equal(p.parent_port, 8000);
	assert_int_equal(p.child_port, 80);
	q = nn_portspec_nth(&p, 2);
	assert_int_equal(q.parent_port, 8002);
	assert_int_equal(q.child_port, 82);
	assert_string_equal(q.proto, "tcp");

	assert_int_equal(nn_portspec_parse("[::1]:65534-65535:1-2/udp6", &p, &count, &err), 0);
	assert_int_equal(count, 2);
	assert_string_equal(p.parent_ip, "::1");
	q = nn_portspec_nth(&p, 1);
	assert_int_equal(q.parent_port, 65535);
	assert_int_equal(q.child_port, 2);
	assert_string_equal(q.parent_ip, "::1");
	assert_string_equal(q.proto, "udp6");

	/* a range of one port is that port */
	assert_int_equal(nn_portspec_parse("127.0.0.1:9000-9000:90-90", &p, &count, &err), 0);
	assert_int_equal(count, 1);
	assert_int_equal(p.parent_port, 9000);
	assert_int_equal(p.child_port, 90);
}

static void ranges_conflict_where_their_host_ports_meet(void **state)
{
	struct nn_portspec a, b;
	struct nn_err err = { 0 };
	unsigned na, nb;
	uint16_t port = 0;

	(void)state;
	assert_int_equal(nn_portspec_parse("8000-8002:80-82", &a, &na, &err), 0);
	assert_int_equal(nn_portspec_parse("8002-8005:90-93", &b, &nb, &err), 0);
	assert_true(nn_portspec_ranges_conflict(&a, na, &b, nb, &port));
	assert_int_equal(port, 8002);
	assert_true(nn_portspec_ranges_conflict(&b, nb, &a, na, &port));
	assert_int_equal(port, 8002);
	assert_int_equal(nn_portspec_parse("8003-8005:90-92", &b, &nb, &err), 0);
	assert_false(nn_portspec_ranges_conflict(&a, na, &b, nb, &port));
	/* a single port inside a range; the same ports over udp, or on another address */
	assert_int_equal(nn_portspec_parse("8001:22", &b, &nb, &err), 0);
	assert_true(nn_portspec_ranges_conflict(&a, na, &b, nb, &port));
	assert_int_equal(port, 8001);
	assert_int_equal(nn_portspec_parse("8000-8002:80-82/udp", &b, &nb, &err), 0);
	assert_false(nn_portspec_ranges_conflict(&a, na, &b, nb, &port));
	assert_int_equal(nn_portspec_parse("127.0.0.1:7999-8000:80-81", &b, &nb, &err), 0);
	assert_true(nn_portspec_ranges_conflict(&a, na, &b, nb, &port));
	assert_int_equal(port, 8000);
	assert_int_equal(nn_portspec_parse("[::1]:7990-8010:80-100/tcp6", &b, &nb, &err), 0);
	assert_true(nn_portspec_ranges_conflict(&a, na, &b, nb, &port));
	assert_int_equal(port, 8000);
}

/* ps's PORTS: each run of a range as one, in the order given */
static void port_lists_show_runs_as_ranges(void **state)
{
	struct nn_portspec ps[6], p;
	struct nn_err err = { 0 };
	char buf[256];
	unsigned count, n = 0;
	size_t off;

	(void)state;
	assert_int_equal(nn_portspec_parse("8000-8002:80-82", &p, &count, &err), 0);
	for (unsigned i = 0; i < count; i++)
		ps[n++] = nn_portspec_nth(&p, i);
	assert_int_equal(nn_portspec_parse("[::1]:9000:90/tcp6", &ps[n++], &count, &err), 0);
	assert_int_equal(nn_portspec_parse("9001:91/udp", &ps[n++], &count, &err), 0);
	assert_int_equal(nn_portspec_parse("9002:92/udp", &ps[n++], &count, &err), 0);
	off = nn_portspec_list_text(ps, n, NULL, buf, sizeof(buf), 0);
	assert_string_equal(buf, "0.0.0.0:8000-8002->80-82/tcp,[::1]:9000->90/tcp6,"
				 "0.0.0.0:9001-9002->91-92/udp");
	assert_int_equal(off, strlen(buf));
	/* a note, after what came before; ports that do not follow each other stay apart */
	ps[1] = ps[2];
	off = nn_portspec_list_text(ps, 2, "(loopback)", buf, sizeof(buf), off);
	assert_string_equal(buf, "0.0.0.0:8000-8002->80-82/tcp,[::1]:9000->90/tcp6,"
				 "0.0.0.0:9001-9002->91-92/udp,0.0.0.0:8000->80/tcp(loopback),"
				 "0.0.0.0:8002->82/tcp(loopback)");
	assert_int_equal(off, strlen(buf));
	/* cut, still terminated */
	off = nn_portspec_list_text(ps, 2, NULL, buf, 12, 0);
	assert_true(off > 11);
	assert_string_equal(buf, "0.0.0.0:800");
}

static struct nn_portspec spec(const char *proto, const char *ip, uint16_t port)
{
	struct nn_portspec p = { .parent_port = port, .child_port = 80 };

	strcpy(p.proto, proto);
	strcpy(p.parent_ip, ip);
	return p;
}

static void conflicts_follow_proto_host_ip_and_port(void **state)
{
	struct nn_portspec any = spec("tcp", "", 8080), any4 = spec("tcp", "0.0.0.0", 8080);
	struct nn_portspec lo = spec("tcp", "127.0.0.1", 8080), lo2 = spec("tcp", "127.0.0.2", 8080);
	struct nn_portspec other = spec("tcp", "127.0.0.1", 8081), udp = spec("udp", "", 8080);
	struct nn_portspec v6 = spec("tcp6", "::1", 8080);

	(void)state;
	assert_true(nn_portspec_conflicts(&any, &lo));
	assert_true(nn_portspec_conflicts(&lo, &any4));
	assert_true(nn_portspec_conflicts(&any, &any4));
	assert_true(nn_portspec_conflicts(&lo, &lo));
	assert_true(nn_portspec_conflicts(&any, &v6));
	assert_false(nn_portspec_conflicts(&lo, &lo2));
	assert_false(nn_portspec_conflicts(&lo, &other));
	assert_false(nn_portspec_conflicts(&any, &udp));
	assert_false(nn_portspec_conflicts(&lo, &v6));
}

/* Docker's -p P:80 posts tcp4 0.0.0.0:P and tcp6 :::P: two sockets that must coexist */
static void tcp4_and_tcp6_never_conflict(void **state)
{
	struct nn_portspec any4 = spec("tcp4", "0.0.0.0", 8080), any6 = spec("tcp6", "::", 8080);
	struct nn_portspec e4 = spec("tcp4", "", 8080), e6 = spec("tcp6", "", 8080);
	struct nn_portspec lo4 = spec("tcp4", "127.0.0.1", 8080), lo6 = spec("tcp6", "::1", 8080);
	struct nn_portspec dual = spec("tcp", "", 8080), dual0 = spec("tcp", "0.0.0.0", 8080);
	struct nn_portspec u4 = spec("udp4", "0.0.0.0", 8080), u6 = spec("udp6", "::", 8080);
	struct nn_portspec u = spec("udp", "", 8080), ulo = spec("udp", "127.0.0.1", 8080);

	(void)state;
	assert_false(nn_portspec_conflicts(&any4, &any6));
	assert_false(nn_portspec_conflicts(&e4, &e6));
	assert_false(nn_portspec_conflicts(&lo4, &any6));
	assert_false(nn_portspec_conflicts(&any4, &lo6));
	assert_false(nn_portspec_conflicts(&u4, &u6));
	assert_false(nn_portspec_conflicts(&u4, &any4));
	/* within a family the wildcard still meets every address */
	assert_true(nn_portspec_conflicts(&any4, &lo4));
	assert_true(nn_portspec_conflicts(&e6, &lo6));
	assert_true(nn_portspec_conflicts(&any4, &e4));
	/* plain tcp on a wildcard is dual-stack: it meets both */
	assert_true(nn_portspec_conflicts(&dual, &any4));
	assert_true(nn_portspec_conflicts(&dual0, &lo6));
	assert_true(nn_portspec_conflicts(&u, &u6));
	assert_true(nn_portspec_conflicts(&ulo, &u4));
	assert_false(nn_portspec_conflicts(&ulo, &u6));
}

static void families_and_child_addresses(void **state)
{
	struct nn_portspec p;

	(void)state;
	p = spec("tcp", "", 80);
	assert_int_equal(nn_portspec_families(&p), NN_PORT_V4 | NN_PORT_V6);
	assert_string_equal(nn_portspec_child_ip(&p), "127.0.0.1");
	p = spec("tcp", "::", 80);
	assert_int_equal(nn_portspec_families(&p), NN_PORT_V4 | NN_PORT_V6);
	p = spec("tcp", "::1", 80);
	assert_int_equal(nn_portspec_families(&p), NN_PORT_V6);
	assert_string_equal(nn_portspec_child_ip(&p), "127.0.0.1");
	p = spec("tcp4", "", 80);
	assert_int_equal(nn_portspec_families(&p), NN_PORT_V4);
	p = spec("udp6", "", 80);
	assert_int_equal(nn_portspec_families(&p), NN_PORT_V6);
	assert_string_equal(nn_portspec_child_ip(&p), "::1");
	assert_true(nn_portspec_is_udp(&p));
	strcpy(p.child_ip, "10.4.0.2");
	assert_string_equal(nn_portspec_child_ip(&p), "10.4.0.2");
	p = spec("udp", "127.0.0.1", 80);
	assert_int_equal(nn_portspec_families(&p), NN_PORT_V4);
}

/*
 * An IPv4-mapped host address is its IPv4 address, as Go's net.IP.To4 makes it for
 * RootlessKit's net.Listen: the socket binds 127.0.0.1, the spec keeps the address given
 * (the API reports it back so), and tcp6 refuses it as Go does ("no suitable address").
 */
static void an_ipv4_mapped_host_address_is_ipv4(void **state)
{
	struct nn_portspec p, lo = spec("tcp", "127.0.0.1", 8080), lo6 = spec("tcp", "::1", 8080);
	struct nn_portspec any = spec("tcp4", "", 8080), any6 = spec("tcp6", "", 8080);
	struct nn_err err = { 0 };
	unsigned count;
	json_t *j;

	(void)state;
	assert_int_equal(nn_portspec_parse("[::ffff:127.0.0.1]:8080:80", &p, &count, &err), 0);
	assert_string_equal(p.parent_ip, "::ffff:127.0.0.1");
	assert_string_equal(nn_portspec_host_ip(&p), "127.0.0.1");
	assert_int_equal(nn_portspec_families(&p), NN_PORT_V4);
	assert_true(nn_portspec_conflicts(&p, &lo));
	assert_true(nn_portspec_conflicts(&p, &any));
	assert_false(nn_portspec_conflicts(&p, &lo6));
	assert_false(nn_portspec_conflicts(&p, &any6));
	/* written any way, it is one address */
	assert_int_equal(nn_portspec_parse("[::FFFF:7f00:1]:8080:80/udp4", &p, &count, &err), 0);
	assert_string_equal(p.parent_ip, "::ffff:127.0.0.1");
	assert_string_equal(nn_portspec_host_ip(&p), "127.0.0.1");
	/* the mapped wildcard is the wildcard: dual-stack for tcp, as Go's IsUnspecified */
	assert_int_equal(nn_portspec_parse("[::ffff:0.0.0.0]:8080:80", &p, &count, &err), 0);
	assert_int_equal(nn_portspec_families(&p), NN_PORT_V4 | NN_PORT_V6);
	/* other IPv6 addresses are what they are */
	p = spec("tcp", "::1", 80);
	assert_string_equal(nn_portspec_host_ip(&p), "::1");
	p = spec("tcp", "::ffff:1:2", 80);
	assert_string_equal(nn_portspec_host_ip(&p), "::ffff:1:2");
	assert_int_equal(nn_portspec_families(&p), NN_PORT_V6);
	p = spec("tcp", "", 80);
	assert_string_equal(nn_portspec_host_ip(&p), "");
	/* the API's PortSpec, as the user trial posted it, and tcp4/tcp6 as Debian's answers */
	j = json_loads("{\"proto\":\"tcp\",\"parentIP\":\"::ffff:127.0.0.1\",\"parentPort\":24018,"
		       "\"childPort\":80}", 0, NULL);
	assert_int_equal(nn_portspec_from_json(j, &p, &err), 0);
	assert_string_equal(p.parent_ip, "::ffff:127.0.0.1");
	assert_string_equal(nn_portspec_host_ip(&p), "127.0.0.1");
	assert_int_equal(nn_portspec_families(&p), NN_PORT_V4);
	json_object_set_new(j, "proto", json_string("tcp4"));
	assert_int_equal(nn_portspec_from_json(j, &p, &err), 0);
	json_object_set_new(j, "proto", json_string("tcp6"));
	assert_int_equal(nn_portspec_from_json(j, &p, &err), -EINVAL);
	assert_string_equal(err.msg, "port spec: host address ::ffff:127.0.0.1 is not an IPv6 "
			    "address (tcp6): an IPv4-mapped address is its IPv4 address");
	json_object_set_new(j, "proto", json_string("tcp"));
	json_object_set_new(j, "parentIP", json_string("fe80::2"));
	assert_int_equal(nn_portspec_from_json(j, &p, &err), -EINVAL);
	assert_string_equal(err.msg, "port spec: host address fe80::2 is link-local: a socket on "
			    "it needs an interface, which a port spec cannot name (publish on a "
			    "global address, or on all)");
	json_decref(j);
}

/* Go's encoding/json takes RootlessKit's PortSpec keys in any case (the user trial's body) */
static void portspec_keys_are_read_in_any_case(void **state)
{
	struct nn_portspec p;
	struct nn_err err = { 0 };
	json_t *j = json_loads("{\"Proto\":\"tcp\",\"ParentIP\":\"127.0.0.1\",\"ParentPort\":23916,"
			       "\"CHILDIP\":\"10.4.0.2\",\"ChildPort\":80}", 0, NULL);

	(void)state;
	assert_int_equal(nn_portspec_from_json(j, &p, &err), 0);
	assert_string_equal(p.proto, "tcp");
	assert_string_equal(p.parent_ip, "127.0.0.1");
	assert_int_equal(p.parent_port, 23916);
	assert_string_equal(p.child_ip, "10.4.0.2");
	assert_int_equal(p.child_port, 80);
	json_decref(j);
	/* the later key wins, as Debian's rootlesskit answered {"PROTO":"udp","proto":"tcp"} */
	j = json_loads("{\"PROTO\":\"udp\",\"proto\":\"tcp\",\"parentport\":1,\"childport\":2}",
		       0, NULL);
	assert_int_equal(nn_portspec_from_json(j, &p, &err), 0);
	assert_string_equal(p.proto, "tcp");
	json_decref(j);
	j = json_loads("{\"proto\":\"tcp\",\"PARENTPORT\":0,\"childPort\":80}", 0, NULL);
	assert_int_equal(nn_portspec_from_json(j, &p, &err), -EINVAL);
	assert_string_equal(err.msg, "port spec: parentPort 0 is out of range 1-65535");
	json_decref(j);
}

static void rootlesskit_json_round_trips(void **state)
{
	struct nn_portspec p;
	struct nn_err err = { 0 };
	json_t *j = json_loads("{\"proto\":\"tcp\",\"parentIP\":\"0.0.0.0\",\"parentPort\":8080,"
			       "\"childIP\":\"10.4.0.2\",\"childPort\":80}", 0, NULL);
	json_t *out;
	char *s;

	(void)state;
	assert_int_equal(nn_portspec_from_json(j, &p, &err), 0);
	assert_string_equal(p.parent_ip, "0.0.0.0");
	assert_string_equal(p.child_ip, "10.4.0.2");
	assert_int_equal(p.parent_port, 8080);
	out = nn_portspec_to_json(&p);
	s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"childIP\":\"10.4.0.2\",\"childPort\":80,\"parentIP\":\"0.0.0.0\","
			    "\"parentPort\":8080,\"proto\":\"tcp\"}");
	free(s);
	json_decref(out);
	json_decref(j);

	/* empty addresses are omitted, as RootlessKit's omitempty */
	p = spec("tcp", "", 9000);
	out = nn_portspec_to_json(&p);
	s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"childPort\":80,\"parentPort\":9000,\"proto\":\"tcp\"}");
	free(s);
	json_decref(out);

	j = json_loads("{\"proto\":\"tcp\",\"parentPort\":0,\"childPort\":80}", 0, NULL);
	assert_int_equal(nn_portspec_from_json(j, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "parentPort 0 is out of range 1-65535"));
	json_decref(j);
	/* rootlessctl add-ports 127.0.0.1:0:80/tcp leaves parentPort out */
	j = json_loads("{\"proto\":\"tcp\",\"parentIP\":\"127.0.0.1\",\"childPort\":80}", 0, NULL);
	assert_int_equal(nn_portspec_from_json(j, &p, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "port spec: parentPort is missing (0 is out of range 1-65535)");
	json_decref(j);
	j = json_loads("{\"proto\":5,\"parentPort\":80,\"childPort\":80}", 0, NULL);
	assert_int_equal(nn_portspec_from_json(j, &p, &err), -EINVAL);
	assert_string_equal(err.msg, "port spec: \"proto\" must be a string");
	json_decref(j);
	j = json_loads("{\"proto\":\"tcp\",\"parentPort\":80,\"childPort\":\"80\"}", 0, NULL);
	assert_int_equal(nn_portspec_from_json(j, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "\"childPort\" must be a number"));
	json_decref(j);
	j = json_loads("{\"proto\":\"tcp\",\"parentIP\":\"1.2.3\",\"parentPort\":80,"
		       "\"childPort\":80}", 0, NULL);
	assert_int_equal(nn_portspec_from_json(j, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "parentIP \"1.2.3\" is not an IP address"));
	json_decref(j);
	j = json_loads("{\"proto\":\"tcp6\",\"parentIP\":\"0.0.0.0\",\"parentPort\":80,"
		       "\"childPort\":80}", 0, NULL);
	assert_int_equal(nn_portspec_from_json(j, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "host address 0.0.0.0 is not an IPv6 address (tcp6)"));
	json_decref(j);
	j = json_loads("{\"proto\":\"sctp\",\"parentPort\":80,\"childPort\":80}", 0, NULL);
	assert_int_equal(nn_portspec_from_json(j, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "sctp is not supported"));
	json_decref(j);
	/* Docker's two halves of -p P:80, as rootlesskit-docker-proxy posts them */
	j = json_loads("{\"proto\":\"tcp6\",\"parentIP\":\"::\",\"parentPort\":80,"
		       "\"childIP\":\"::1\",\"childPort\":80}", 0, NULL);
	assert_int_equal(nn_portspec_from_json(j, &p, &err), 0);
	assert_string_equal(p.parent_ip, "::");
	assert_string_equal(p.child_ip, "::1");
	json_decref(j);
	/* mixed families: a host socket of one family and a child address of the other */
	j = json_loads("{\"proto\":\"tcp\",\"parentIP\":\"::1\",\"parentPort\":8080,"
		       "\"childIP\":\"10.4.0.2\",\"childPort\":80}",
		       0, NULL);
	assert_int_equal(nn_portspec_from_json(j, &p, &err), 0);
	assert_int_equal(nn_portspec_check_child(&p, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "port spec \"tcp [::1]:8080 -> 10.4.0.2:80\": mixed "
			    "families: host address ::1 is IPv6 but child address 10.4.0.2 is "
			    "IPv4 (give a child address of the host's family)");
	json_decref(j);
	j = json_loads("{\"proto\":\"udp4\",\"parentPort\":53,\"childIP\":\"fd00:4::2\","
		       "\"childPort\":53}",
		       0, NULL);
	assert_int_equal(nn_portspec_from_json(j, &p, &err), 0);
	assert_int_equal(nn_portspec_check_child(&p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "udp4 0.0.0.0:53 -> [fd00:4::2]:53\": mixed families"));
	json_decref(j);
	/* a socket of both families takes a child address of either */
	j = json_loads("{\"proto\":\"tcp\",\"parentPort\":80,\"childIP\":\"fd00:4::2\","
		       "\"childPort\":80}",
		       0, NULL);
	assert_int_equal(nn_portspec_from_json(j, &p, &err), 0);
	assert_int_equal(nn_portspec_check_child(&p, &err), 0);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bad_specs_are_refused_with_the_reason),
		cmocka_unit_test(good_specs_are_parsed),
		cmocka_unit_test(equal_ranges_are_one_port_each),
		cmocka_unit_test(ranges_conflict_where_their_host_ports_meet),
		cmocka_unit_test(port_lists_show_runs_as_ranges),
		cmocka_unit_test(conflicts_follow_proto_host_ip_and_port),
		cmocka_unit_test(tcp4_and_tcp6_never_conflict),
		cmocka_unit_test(families_and_child_addresses),
		cmocka_unit_test(an_ipv4_mapped_host_address_is_ipv4),
		cmocka_unit_test(portspec_keys_are_read_in_any_case),
		cmocka_unit_test(rootlesskit_json_round_trips),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
