// SPDX-License-Identifier: GPL-2.0-or-later
/* test_nest_config.c - the checks of a nest's config (nn_nest_config_finish()): --cidr, --subnet */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "lib/nest/nest.h"

/* the defaults with @opt ("--cidr" or "--subnet") set to @value; nn_nest_config_finish()'s result */
static int finish(const char *opt, const char *value, struct nn_nest_config *cfg,
		  struct nn_err *err)
{
	nn_nest_config_init(cfg, "t");
	assert_int_equal(nn_cidr_parse(value, opt, !strcmp(opt, "--cidr") ? &cfg->cidr :
						   &cfg->subnet, err), 0);
	return nn_nest_config_finish(cfg, err);
}

/* @opt @value is refused with exactly @msg */
static void refused(const char *opt, const char *value, const char *msg)
{
	struct nn_nest_config cfg;
	struct nn_err err = { 0 };

	assert_int_equal(finish(opt, value, &cfg, &err), -EINVAL);
	assert_string_equal(err.msg, msg);
}

static void a_subnet_that_cannot_be_a_lan_is_refused_with_the_reason(void **state)
{
	(void)state;
	refused("--subnet", "224.0.0.0/24", "--subnet 224.0.0.0/24: a multicast range, not a LAN");
	refused("--subnet", "127.0.0.0/24", "--subnet 127.0.0.0/24: a loopback range, not a LAN");
	/* the reason comes before the host bits */
	refused("--subnet", "127.0.0.1/24", "--subnet 127.0.0.1/24: a loopback range, not a LAN");
	refused("--subnet", "0.0.0.0/16",
		"--subnet 0.0.0.0/16: a \"this network\" range, not a LAN");
	refused("--subnet", "169.254.0.0/16",
		"--subnet 169.254.0.0/16: a link-local range, not a LAN");
	refused("--subnet", "240.0.0.0/24", "--subnet 240.0.0.0/24: a reserved range, not a LAN");
	refused("--subnet", "255.255.255.252/30",
		"--subnet 255.255.255.252/30: a reserved range, not a LAN");
	refused("--subnet", "169.0.0.0/8",
		"--subnet 169.0.0.0/8: holds the link-local range 169.254.0.0/16, not a LAN");
	refused("--subnet", "16.0.0.0/4", "--subnet 16.0.0.0/4: larger than a /8 (10.0.0.0/8, "
		"the largest private network), not a LAN");
	refused("--subnet", "0.0.0.0/0", "--subnet 0.0.0.0/0: larger than a /8 (10.0.0.0/8, "
		"the largest private network), not a LAN");
	refused("--subnet", "10.4.0.0/31", "--subnet 10.4.0.0/31: too small for the bridge's "
		"address and a sandbox's: at most /30");
	refused("--subnet", "10.4.0.0/32", "--subnet 10.4.0.0/32: too small for the bridge's "
		"address and a sandbox's: at most /30");
}

static void a_tap_network_that_cannot_be_a_lan_is_refused_too(void **state)
{
	(void)state;
	refused("--cidr", "224.0.0.0/24", "--cidr 224.0.0.0/24: a multicast range, not a LAN");
	refused("--cidr", "127.0.0.0/24", "--cidr 127.0.0.0/24: a loopback range, not a LAN");
	refused("--cidr", "169.254.0.0/24", "--cidr 169.254.0.0/24: a link-local range, not a LAN");
	refused("--cidr", "32.0.0.0/3", "--cidr 32.0.0.0/3: larger than a /8 (10.0.0.0/8, the "
		"largest private network), not a LAN");
	refused("--cidr", "10.0.2.0/26", "--cidr 10.0.2.0/26: too small for the tap address "
		"(network + 100; gateway + 2, DNS + 3): at most /25");
}

static void the_extremes_that_are_lans_are_taken(void **state)
{
	struct nn_nest_config cfg;
	struct nn_err err = { 0 };
	char a[INET_ADDRSTRLEN];

	(void)state;
	/* a /30: the bridge .1 and one sandbox .2 */
	assert_int_equal(finish("--subnet", "192.168.7.0/30", &cfg, &err), 0);
	assert_string_equal(inet_ntop(AF_INET, &cfg.bridge_ip, a, sizeof(a)), "192.168.7.1");
	assert_int_equal(finish("--subnet", "172.16.0.0/12", &cfg, &err), 0);
	/* a /8 that holds no --cidr */
	nn_nest_config_init(&cfg, "t");
	assert_int_equal(nn_cidr_parse("10.0.0.0/8", "--subnet", &cfg.subnet, &err), 0);
	assert_int_equal(nn_cidr_parse("192.168.100.0/24", "--cidr", &cfg.cidr, &err), 0);
	assert_int_equal(nn_nest_config_finish(&cfg, &err), 0);
	assert_string_equal(inet_ntop(AF_INET, &cfg.tap_ip, a, sizeof(a)), "192.168.100.100");
	/* the tap network at slirp4netns's smallest, /25: the tap .100 fits */
	assert_int_equal(finish("--cidr", "10.0.2.0/25", &cfg, &err), 0);
	assert_string_equal(inet_ntop(AF_INET, &cfg.tap_ip, a, sizeof(a)), "10.0.2.100");
	/* shared address space and documentation ranges can be LANs */
	assert_int_equal(finish("--subnet", "100.64.0.0/24", &cfg, &err), 0);
	assert_int_equal(finish("--subnet", "192.0.2.0/24", &cfg, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_subnet_that_cannot_be_a_lan_is_refused_with_the_reason),
		cmocka_unit_test(a_tap_network_that_cannot_be_a_lan_is_refused_too),
		cmocka_unit_test(the_extremes_that_are_lans_are_taken),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
