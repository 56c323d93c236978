// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_bypass.c - where the bypass sends what a sandbox dials (nn_bypass_dest()): the
 * nest's own networks stay on the normal path, the engine's gateway is the host's loopback
 * only when the nest allows it, everything else is dialled from the host netns unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "lib/nest/bypass_internal.h"

static struct nn_nest_config cfg;

static int setup(void **state)
{
	(void)state;
	nn_nest_config_init(&cfg, "t");
	nn_cidr_host(&cfg.cidr, 2, &cfg.gateway); /* nn_nest_config_check() sets it */
	return 0;
}

/* dest4() - the class of IPv4 @ip:80, and in @out the address dialled from the host */
static enum nn_bypass_dest dest4(const char *ip, char out[INET6_ADDRSTRLEN])
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(80) };
	struct sockaddr_storage to;
	enum nn_bypass_dest d;

	assert_int_equal(inet_pton(AF_INET, ip, &in.sin_addr), 1);
	d = nn_bypass_dest(&cfg, (struct sockaddr *)&in, sizeof(in), &to);
	inet_ntop(AF_INET, &((struct sockaddr_in *)&to)->sin_addr, out, INET6_ADDRSTRLEN);
	assert_int_equal(ntohs(((struct sockaddr_in *)&to)->sin_port), 80);
	return d;
}

static enum nn_bypass_dest dest6(const char *ip, char out[INET6_ADDRSTRLEN])
{
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(80) };
	struct sockaddr_storage to;
	enum nn_bypass_dest d;

	assert_int_equal(inet_pton(AF_INET6, ip, &in6.sin6_addr), 1);
	d = nn_bypass_dest(&cfg, (struct sockaddr *)&in6, sizeof(in6), &to);
	inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&to)->sin6_addr, out, INET6_ADDRSTRLEN);
	return d;
}

static void the_nests_own_networks_stay_inside(void **state)
{
	static const char *const v4[] = { "10.4.0.7",	    "10.4.0.1",	   "10.0.2.3",
					  "10.0.2.2",	    "127.0.0.1",   "127.5.5.5",
					  "0.0.0.0",	    "169.254.1.1", "224.0.0.251",
					  "255.255.255.255" };
	static const char *const v6[] = { "fd00:4::2", "fd00::3", "fd00::2",  "::1",
					  "::",	       "fe80::1", "ff02::fb", "::ffff:10.4.0.2" };
	char out[INET6_ADDRSTRLEN];

	(void)state;
	cfg.allow_host_loopback = false;
	for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++)
		if (dest4(v4[i], out) != NN_BYPASS_KEEP)
			fail_msg("%s is not kept inside", v4[i]);
	for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++)
		if (dest6(v6[i], out) != NN_BYPASS_KEEP)
			fail_msg("%s is not kept inside", v6[i]);
}

static void the_gateway_is_the_hosts_loopback_when_allowed(void **state)
{
	char out[INET6_ADDRSTRLEN];

	(void)state;
	cfg.allow_host_loopback = true;
	assert_int_equal(dest4("10.0.2.2", out), NN_BYPASS_LOOPBACK);
	assert_string_equal(out, "127.0.0.1");
	assert_int_equal(dest6("fd00::2", out), NN_BYPASS_LOOPBACK);
	assert_string_equal(out, "::1");
	assert_int_equal(dest6("::ffff:10.0.2.2", out), NN_BYPASS_LOOPBACK);
	assert_string_equal(out, "::ffff:127.0.0.1");
	/* the engine's other addresses are still the engine's */
	assert_int_equal(dest4("10.0.2.3", out), NN_BYPASS_KEEP);
	assert_int_equal(dest6("fd00::3", out), NN_BYPASS_KEEP);
	cfg.allow_host_loopback = false;
}

static void the_outside_is_dialled_unchanged(void **state)
{
	char out[INET6_ADDRSTRLEN];

	(void)state;
	assert_int_equal(dest4("198.51.100.1", out), NN_BYPASS_HOST);
	assert_string_equal(out, "198.51.100.1");
	assert_int_equal(dest4("10.0.3.1", out), NN_BYPASS_HOST);
	assert_int_equal(dest6("2001:db8::1", out), NN_BYPASS_HOST);
	assert_string_equal(out, "2001:db8::1");
	assert_int_equal(dest6("::ffff:192.0.2.1", out), NN_BYPASS_HOST);
	/* a nest without IPv6 gives its sandboxes none through the bypass either */
	cfg.ipv6 = false;
	assert_int_equal(dest6("2001:db8::1", out), NN_BYPASS_KEEP);
	cfg.ipv6 = true;
}

static void a_short_or_foreign_address_stays_inside(void **state)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_un_like {
		sa_family_t f;
		char path[20];
	} un = { AF_UNIX, "/x" };
	struct sockaddr_storage to;

	(void)state;
	inet_pton(AF_INET, "198.51.100.1", &in.sin_addr);
	assert_int_equal(nn_bypass_dest(&cfg, (struct sockaddr *)&in, 4, &to), NN_BYPASS_KEEP);
	assert_int_equal(nn_bypass_dest(&cfg, (struct sockaddr *)&in, 1, &to), NN_BYPASS_KEEP);
	assert_int_equal(nn_bypass_dest(&cfg, (struct sockaddr *)&un, sizeof(un), &to),
			 NN_BYPASS_KEEP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_nests_own_networks_stay_inside),
		cmocka_unit_test(the_gateway_is_the_hosts_loopback_when_allowed),
		cmocka_unit_test(the_outside_is_dialled_unchanged),
		cmocka_unit_test(a_short_or_foreign_address_stays_inside),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
