// SPDX-License-Identifier: GPL-2.0-or-later
/* test_rkflags.c - RootlessKit's command line: urfave/cli parsing, the checks, the configs */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>
#include <sys/mount.h>

#include "lib/nest/rkflags.h"

#define ARGV(...) ((char *[]){ "rootlesskit", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "rootlesskit", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(o, err, ...) nn_rk_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), o, err)

/* parse and check @argv; Return: nn_rk_check()'s result, @cfg/@child/@err filled */
static int check(int argc, char **argv, struct nn_nest_config *cfg, struct nn_child_config *c,
		 struct nn_err *err)
{
	struct nn_rk_opts o;
	int r = nn_rk_parse(argc, argv, &o, err);

	assert_int_equal(r, 0);
	nn_nest_config_init(cfg, "rk");
	r = nn_rk_check(&o, cfg, c, err);
	nn_rk_opts_free(&o);
	return r;
}
#define CHECK(cfg, c, err, ...) check(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), cfg, c, err)

/* @args... is refused by nn_rk_check() with a message containing @why */
#define REFUSED(why, ...) do {							\
	struct nn_nest_config cfg;						\
	struct nn_child_config c;						\
	struct nn_err err = { 0 };						\
	assert_int_equal(CHECK(&cfg, &c, &err, __VA_ARGS__), -EINVAL);		\
	if (!strstr(err.msg, why))						\
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, why);		\
	nn_child_config_free(&c);						\
} while (0)

static void the_table_is_in_id_order(void **state)
{
	int n = 0;

	(void)state;
	for (const struct nn_rk_flag *f = nn_rk_flags; f->name; f++, n++)
		assert_int_equal(f->id, n);
	assert_int_equal(n, NN_RK_NFLAGS);
}

static void every_form_of_a_flag_is_the_same_flag(void **state)
{
	struct nn_rk_opts o;
	struct nn_err err = { 0 };

	(void)state;
	assert_int_equal(PARSE(&o, &err, "--net=slirp4netns", "true"), 0);
	assert_string_equal(o.val[NN_RK_NET], "slirp4netns");
	assert_int_equal(PARSE(&o, &err, "--net", "slirp4netns", "true"), 0);
	assert_string_equal(o.val[NN_RK_NET], "slirp4netns");
	assert_int_equal(PARSE(&o, &err, "-net=slirp4netns", "true"), 0);
	assert_string_equal(o.val[NN_RK_NET], "slirp4netns");
	assert_int_equal(PARSE(&o, &err, "-net", "slirp4netns", "true"), 0);
	assert_string_equal(o.val[NN_RK_NET], "slirp4netns");
	/* a value may look like a flag */
	assert_int_equal(PARSE(&o, &err, "--state-dir", "--pidns", "true"), 0);
	assert_string_equal(o.val[NN_RK_STATE_DIR], "--pidns");
	assert_int_equal(o.given[NN_RK_PIDNS], 0);
	assert_int_equal(PARSE(&o, &err, "-p", "127.0.0.1:8080:80/tcp", "true"), 0);
	assert_int_equal(o.nlist[NN_RK_PUBLISH], 1);
	nn_rk_opts_free(&o);
}

static void the_last_value_wins_and_slices_append(void **state)
{
	struct nn_rk_opts o;
	struct nn_err err = { 0 };

	(void)state;
	assert_int_equal(PARSE(&o, &err, "--net=host", "--net=slirp4netns",
			       "--disable-host-loopback", "--disable-host-loopback=false",
			       "--copy-up=/etc", "--copy-up", "/run", "--copy-up=/a,/b", "sh"), 0);
	assert_string_equal(o.val[NN_RK_NET], "slirp4netns");
	assert_int_equal(o.given[NN_RK_NET], 2);
	assert_false(o.on[NN_RK_DISABLE_HOST_LOOPBACK]);
	assert_int_equal(o.nlist[NN_RK_COPY_UP], 3);
	assert_string_equal(o.list[NN_RK_COPY_UP][0], "/etc");
	assert_string_equal(o.list[NN_RK_COPY_UP][1], "/run");
	assert_string_equal(o.list[NN_RK_COPY_UP][2], "/a,/b"); /* not split on commas */
	assert_int_equal(o.argc, 1);
	nn_rk_opts_free(&o);
}

static void bools_take_no_separate_value(void **state)
{
	struct nn_rk_opts o;
	struct nn_err err = { 0 };

	(void)state;
	assert_int_equal(PARSE(&o, &err, "--disable-host-loopback", "false"), 0);
	assert_true(o.on[NN_RK_DISABLE_HOST_LOOPBACK]);
	assert_int_equal(o.argc, 1);
	assert_string_equal(o.argv[0], "false");
	for (const char *t = "1\0t\0T\0TRUE\0true\0True\0"; *t; t += strlen(t) + 1) {
		char flag[32];

		snprintf(flag, sizeof(flag), "--pidns=%s", t);
		assert_int_equal(PARSE(&o, &err, flag, "sh"), 0);
		assert_true(o.on[NN_RK_PIDNS]);
	}
	assert_int_equal(PARSE(&o, &err, "--pidns=F", "sh"), 0);
	assert_false(o.on[NN_RK_PIDNS]);
	assert_int_equal(PARSE(&o, &err, "--pidns=yes", "sh"), -EINVAL);
	assert_string_equal(err.msg, "invalid boolean value \"yes\" for -pidns: parse error");
}

static void the_command_starts_at_the_first_non_flag(void **state)
{
	struct nn_rk_opts o;
	struct nn_err err = { 0 };

	(void)state;
	assert_int_equal(PARSE(&o, &err, "--net=host", "sh", "-c", "echo", "--net=foo",
			       "--help"), 0);
	assert_int_equal(o.argc, 5);
	assert_string_equal(o.argv[0], "sh");
	assert_string_equal(o.argv[3], "--net=foo");
	assert_false(o.on[NN_RK_HELP]);
	assert_null(o.argv[5]);
	assert_int_equal(PARSE(&o, &err, "--", "sh", "-c", "x"), 0);
	assert_int_equal(o.argc, 3);
	assert_string_equal(o.argv[0], "sh");
	assert_int_equal(PARSE(&o, &err, "--pidns", "--", "--", "x"), 0);
	assert_int_equal(o.argc, 2);
	assert_string_equal(o.argv[0], "--");
	assert_int_equal(PARSE(&o, &err, "-", "x"), 0);
	assert_string_equal(o.argv[0], "-");
	assert_int_equal(PARSE(&o, &err, "--help", "true"), 0);
	assert_true(o.on[NN_RK_HELP]);
	assert_int_equal(PARSE(&o, &err, "-v"), 0);
	assert_true(o.on[NN_RK_VERSION]);
	assert_int_equal(o.argc, 0);
}

static void parse_errors_are_go_s(void **state)
{
	struct nn_rk_opts o;
	struct nn_err err = { 0 };

	(void)state;
	assert_int_equal(PARSE(&o, &err, "--nope", "true"), -EINVAL);
	assert_string_equal(err.msg, "flag provided but not defined: -nope");
	assert_int_equal(PARSE(&o, &err, "--nope=1", "true"), -EINVAL);
	assert_string_equal(err.msg, "flag provided but not defined: -nope");
	assert_int_equal(PARSE(&o, &err, "--mtu=abc", "true"), -EINVAL);
	assert_string_equal(err.msg, "invalid value \"abc\" for flag -mtu: parse error");
	assert_int_equal(PARSE(&o, &err, "--mtu", "08", "true"), -EINVAL);
	assert_int_equal(PARSE(&o, &err, "--mtu=0x5dc", "true"), 0);
	assert_int_equal(o.num[NN_RK_MTU], 1500);
	assert_int_equal(PARSE(&o, &err, "--net"), -EINVAL);
	assert_string_equal(err.msg, "flag needs an argument: -net");
	assert_int_equal(PARSE(&o, &err, "---net=host"), -EINVAL);
	assert_string_equal(err.msg, "bad flag syntax: ---net=host");
	assert_int_equal(PARSE(&o, &err, "-=x"), -EINVAL);
	assert_string_equal(err.msg, "bad flag syntax: -=x");
}

static void docker_s_flags_make_rootlesskit_1_s_nest(void **state)
{
	struct nn_nest_config cfg;
	struct nn_child_config c;
	struct nn_err err = { 0 };

	(void)state;
	assert_int_equal(CHECK(&cfg, &c, &err, "--net=slirp4netns", "--mtu=65520",
			       "--slirp4netns-sandbox=auto", "--slirp4netns-seccomp=auto",
			       "--disable-host-loopback", "--port-driver=builtin",
			       "--copy-up=/etc", "--copy-up=/run/", "--propagation=rslave",
			       "dockerd-rootless.sh", "--storage-driver=overlay2"), 0);
	assert_int_equal(cfg.net, NN_NET_ENGINE);
	assert_int_equal(cfg.mtu, 65520);
	assert_false(cfg.allow_host_loopback);
	assert_true(cfg.port_driver);
	assert_string_equal(cfg.bridge, "");
	assert_string_equal(cfg.tap, "tap0");
	assert_false(cfg.ipv6);
	assert_int_equal(c.ncopy_up, 2);
	assert_string_equal(c.copy_up[1], "/run");
	assert_true(nn_child_copies_etc(&c));
	assert_int_equal(c.propagation, MS_REC | MS_SLAVE);
	assert_false(c.detach_netns);
	assert_false(c.reaper);
	assert_string_equal(c.argv[1], "--storage-driver=overlay2");
	nn_child_config_free(&c);
	assert_int_equal(nn_nest_config_finish(&cfg, &err), 0);
}

/* RootlessKit 3's --source-ip-transparent: on unless =false, which the builtin driver reads */
static void source_ip_transparent_turns_the_kept_address_off(void **state)
{
	struct nn_nest_config cfg;
	struct nn_child_config c;
	struct nn_err err = { 0 };

	(void)state;
	assert_int_equal(CHECK(&cfg, &c, &err, "--net=slirp4netns", "--port-driver=builtin",
			       "true"), 0);
	assert_true(cfg.keep_source);
	nn_child_config_free(&c);
	assert_int_equal(CHECK(&cfg, &c, &err, "--net=slirp4netns", "--port-driver=builtin",
			       "--source-ip-transparent=false", "true"), 0);
	assert_false(cfg.keep_source);
	nn_child_config_free(&c);
	assert_int_equal(CHECK(&cfg, &c, &err, "--net=slirp4netns", "--port-driver=builtin",
			       "--source-ip-transparent", "true"), 0);
	assert_true(cfg.keep_source);
	nn_child_config_free(&c);
	/* RootlessKit's slirp4netns driver propagates the address whatever the flag says */
	assert_int_equal(CHECK(&cfg, &c, &err, "--net=slirp4netns", "--port-driver=slirp4netns",
			       "--source-ip-transparent=false", "true"), 0);
	assert_true(cfg.keep_source);
	nn_child_config_free(&c);
}

static void the_defaults_are_rootlesskit_s(void **state)
{
	struct nn_nest_config cfg;
	struct nn_child_config c;
	struct nn_err err = { 0 };

	(void)state;
	assert_int_equal(CHECK(&cfg, &c, &err, "true"), 0);
	assert_int_equal(cfg.net, NN_NET_HOST);
	assert_false(cfg.port_driver);
	assert_false(cfg.ipv6);
	assert_int_equal(c.propagation, MS_REC | MS_PRIVATE);
	assert_int_equal(c.ncopy_up, 0);
	nn_child_config_free(&c);
	/* host loopback opens only when asked for by =false */
	assert_int_equal(CHECK(&cfg, &c, &err, "--net=slirp4netns",
			       "--disable-host-loopback=false", "true"), 0);
	assert_true(cfg.allow_host_loopback);
	nn_child_config_free(&c);
	/* --subid-source reaches the nest's config (userns.h) */
	assert_int_equal(CHECK(&cfg, &c, &err, "true"), 0);
	assert_int_equal(cfg.subid_source, NN_SUBID_AUTO);
	nn_child_config_free(&c);
	assert_int_equal(CHECK(&cfg, &c, &err, "--subid-source=dynamic", "true"), 0);
	assert_int_equal(cfg.subid_source, NN_SUBID_DYNAMIC);
	nn_child_config_free(&c);
	assert_int_equal(CHECK(&cfg, &c, &err, "--subid-source", "static", "true"), 0);
	assert_int_equal(cfg.subid_source, NN_SUBID_STATIC);
	nn_child_config_free(&c);
	assert_int_equal(CHECK(&cfg, &c, &err, "--net=slirp4netns", "--cidr=10.0.3.0/24",
			       "--ifname=eth7", "--detach-netns", "--pidns", "--utsns",
			       "--port-driver=slirp4netns", "-p", "[::1]:8080:80/tcp",
			       "--publish=127.0.0.1:8081:10.0.2.100:81/udp", "true"), 0);
	assert_string_equal(cfg.tap, "eth7");
	assert_true(cfg.port_driver);
	assert_true(c.detach_netns && c.pidns && c.utsns && c.reaper);
	assert_int_equal(c.nports, 2);
	assert_string_equal(c.ports[0].parent_ip, "::1");
	assert_int_equal(c.ports[0].parent_port, 8080);
	assert_int_equal(c.ports[0].child_port, 80);
	assert_string_equal(c.ports[1].proto, "udp");
	assert_string_equal(c.ports[1].child_ip, "10.0.2.100");
	nn_child_config_free(&c);
	assert_int_equal(nn_nest_config_finish(&cfg, &err), 0);
	assert_int_equal(cfg.tap_ip.s_addr, htonl(0x0a000364)); /* 10.0.3.100 */
}

static void ipv6_turns_on_the_engine_s_ipv6(void **state)
{
	struct nn_nest_config cfg;
	struct nn_child_config c;
	struct nn_err err = { 0 };
	char a[INET6_ADDRSTRLEN];

	(void)state;
	assert_int_equal(CHECK(&cfg, &c, &err, "--net=slirp4netns", "--ipv6", "true"), 0);
	nn_child_config_free(&c);
	assert_true(cfg.ipv6);
	assert_int_equal(nn_nest_config_finish(&cfg, &err), 0);
	assert_string_equal(inet_ntop(AF_INET6, &cfg.tap_ip6, a, sizeof(a)), "fd00::100");
	assert_string_equal(inet_ntop(AF_INET6, &cfg.gateway6, a, sizeof(a)), "fd00::2");
	assert_string_equal(inet_ntop(AF_INET6, &cfg.dns6, a, sizeof(a)), "fd00::3");
	assert_int_equal(CHECK(&cfg, &c, &err, "--net=slirp4netns", "--ipv6=false", "true"), 0);
	nn_child_config_free(&c);
	assert_false(cfg.ipv6);
}

static void net_pasta_is_the_pasta_engine(void **state)
{
	struct nn_nest_config cfg;
	struct nn_child_config c;
	struct nn_err err = { 0 };

	(void)state;
	assert_int_equal(CHECK(&cfg, &c, &err, "--net=pasta", "--port-driver=builtin", "true"), 0);
	nn_child_config_free(&c);
	assert_int_equal(cfg.net, NN_NET_ENGINE);
	assert_int_equal(cfg.engine, NN_ENGINE_PASTA);
	assert_true(cfg.port_driver);
	assert_int_equal(CHECK(&cfg, &c, &err, "--net=slirp4netns", "true"), 0);
	nn_child_config_free(&c);
	assert_int_equal(cfg.engine, NN_ENGINE_BUILTIN);
}

/* --cidr=X of the drop-in is the tap network of `up --cidr`: the same networks are refused */
static void a_cidr_that_cannot_be_a_lan_is_refused(void **state)
{
	static char *const bad[][2] = {
		{ "--cidr=224.0.0.0/24", "--cidr 224.0.0.0/24: a multicast range, not a LAN" },
		{ "--cidr=127.0.0.0/24", "--cidr 127.0.0.0/24: a loopback range, not a LAN" },
		{ "--cidr=0.0.0.0/24", "--cidr 0.0.0.0/24: a \"this network\" range, not a LAN" },
		{ "--cidr=10.0.2.0/26", "--cidr 10.0.2.0/26: too small for the tap address "
					"(network + 100; gateway + 2, DNS + 3): at most /25" },
	};
	struct nn_nest_config cfg;
	struct nn_child_config c;
	struct nn_err err = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(CHECK(&cfg, &c, &err, "--net=slirp4netns", bad[i][0], "true"), 0);
		nn_child_config_free(&c);
		assert_int_equal(nn_nest_config_finish(&cfg, &err), -EINVAL);
		assert_string_equal(err.msg, bad[i][1]);
	}
}

static void refusals_name_the_flag(void **state)
{
	(void)state;
	REFUSED("no command specified", "--net=host");
	REFUSED("--net=vpnkit: not supported by netnest", "--net=vpnkit", "true");
	REFUSED("--pasta-binary=/opt/pasta: not supported by netnest", "--net=pasta",
		"--pasta-binary=/opt/pasta", "true");
	REFUSED("--ipv6: not supported with --net=pasta", "--net=pasta", "--ipv6", "true");
	REFUSED("--port-driver=slirp4netns: port driver requires slirp4netns network",
		"--net=pasta", "--port-driver=slirp4netns", "true");
	REFUSED("--net=foo: unknown network mode", "--net=foo", "true");
	REFUSED("--port-driver=slirp4netns: port driver requires slirp4netns network",
		"--net=none", "--port-driver=slirp4netns", "true");
	REFUSED("--port-driver=builtin: port driver requires non-host network",
		"--port-driver=builtin", "true");
	REFUSED("--port-driver=bogus: unknown port driver", "--net=slirp4netns",
		"--port-driver=bogus", "true");
	REFUSED("--publish=127.0.0.1:8080:80/tcp: port driver \"none\"", "--net=slirp4netns",
		"-p", "127.0.0.1:8080:80/tcp", "true");
	REFUSED("--publish=127.0.0.1:8080:80: missing proto", "--net=slirp4netns",
		"--port-driver=builtin", "-p", "127.0.0.1:8080:80", "true");
	REFUSED("--copy-up=/tmp/: /tmp cannot be copied up", "--copy-up=/tmp/", "true");
	REFUSED("--copy-up=/: / cannot be copied up", "--copy-up=/", "true");
	REFUSED("--copy-up=etc: not an absolute path", "--copy-up=etc", "true");
	REFUSED("--copy-up-mode=symlink: unknown copy-up mode", "--copy-up-mode=symlink", "true");
	REFUSED("--propagation=bogus: unknown propagation", "--propagation=bogus", "true");
	REFUSED("propagation rshared does not support copy-up", "--propagation=rshared",
		"--copy-up=/etc", "true");
	REFUSED("--reaper=true: reaper requires --pidns", "--reaper=true", "true");
	REFUSED("--reaper=bogus: unknown reaper mode", "--reaper=bogus", "true");
	REFUSED("--evacuate-cgroup2=x: not supported", "--evacuate-cgroup2=x", "true");
	REFUSED("--mtu=70000: out of range", "--net=slirp4netns", "--mtu=70000", "true");
	REFUSED("--mtu=1500: needs --net=slirp4netns or --net=pasta", "--mtu=1500", "true");
	REFUSED("--cidr=10.0.3.0/24: custom cidr is supported only", "--cidr=10.0.3.0/24",
		"true");
	REFUSED("--ifname=eth0: ifname cannot be specified for --net=host", "--ifname=eth0",
		"true");
	REFUSED("--ifname=a/b: not an interface name", "--net=slirp4netns", "--ifname=a/b",
		"true");
	REFUSED("--ipv6: only supported for --net=slirp4netns, not --net=none", "--net=none",
		"--ipv6", "true");
	REFUSED("--detach-netns: needs a network of its own", "--detach-netns", "true");
	REFUSED("--subid-source=bogus: unknown subid source", "--subid-source=bogus", "true");
	REFUSED("--slirp4netns-sandbox=maybe: must be auto, true or false",
		"--slirp4netns-sandbox=maybe", "true");
	REFUSED("--slirp4netns-binary=/opt/s4n: not supported", "--slirp4netns-binary=/opt/s4n",
		"true");
	REFUSED("--vpnkit-binary=vpnkit: not supported", "--vpnkit-binary=vpnkit", "true");
	REFUSED("--lxc-user-nic-bridge=lxcbr0: not supported", "--lxc-user-nic-bridge=lxcbr0",
		"true");
}

static void paths_are_cleaned_as_go_does(void **state)
{
	static const char *const cases[][2] = {
		{ "/", "/" }, { "//", "/" }, { "/etc/", "/etc" }, { "/etc//ssl/", "/etc/ssl" },
		{ "/./etc/.", "/etc" }, { "/etc/../run", "/run" }, { "/..", "/" },
		{ "/a/b/../../c", "/c" }, { "/a/.b/..c", "/a/.b/..c" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char p[64];

		snprintf(p, sizeof(p), "%s", cases[i][0]);
		nn_rk_clean_path(p);
		assert_string_equal(p, cases[i][1]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_table_is_in_id_order),
		cmocka_unit_test(every_form_of_a_flag_is_the_same_flag),
		cmocka_unit_test(the_last_value_wins_and_slices_append),
		cmocka_unit_test(bools_take_no_separate_value),
		cmocka_unit_test(the_command_starts_at_the_first_non_flag),
		cmocka_unit_test(parse_errors_are_go_s),
		cmocka_unit_test(docker_s_flags_make_rootlesskit_1_s_nest),
		cmocka_unit_test(the_defaults_are_rootlesskit_s),
		cmocka_unit_test(source_ip_transparent_turns_the_kept_address_off),
		cmocka_unit_test(ipv6_turns_on_the_engine_s_ipv6),
		cmocka_unit_test(net_pasta_is_the_pasta_engine),
		cmocka_unit_test(refusals_name_the_flag),
		cmocka_unit_test(a_cidr_that_cannot_be_a_lan_is_refused),
		cmocka_unit_test(paths_are_cleaned_as_go_does),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
