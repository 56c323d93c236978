// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rkflags.c - RootlessKit's command line: parsing as urfave/cli v2 + Go's flag package do
 * it, and the checks of RootlessKit's createParentOpt/createChildOpt (cmd/rootlesskit/
 * main.go) in their order, each refusal naming its flag (see rkflags.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include <jansson.h>

#include "rkflags.h"
#include "userns.h"
#include "util.h"

#define F(i, n, a, t, c, u) { NN_RK_##i, n, a, NN_RK_##t, c, u }
const struct nn_rk_flag nn_rk_flags[] = {
	F(DEBUG, "debug", NULL, BOOL, "Misc", "debug mode (accepted; netnest logs nothing more) (default: false)"),
	F(HELP, "help", "h", BOOL, "Misc", "show help (default: false)"),
	F(VERSION, "version", "v", BOOL, "Misc", "print the version (default: false)"),
	F(COPY_UP, "copy-up", NULL, SLICE, "Mount", "mount a filesystem and copy-up the contents. e.g. \"--copy-up=/etc\" (typically required for non-host network)"),
	F(COPY_UP_MODE, "copy-up-mode", NULL, STRING, "Mount", "copy-up mode [tmpfs+symlink] (default: \"tmpfs+symlink\")"),
	F(PROPAGATION, "propagation", NULL, STRING, "Mount", "mount propagation [rprivate, rslave, rshared, private, slave, shared] (default: \"rprivate\")"),
	F(NET, "net", NULL, STRING, "Network", "network driver [host, slirp4netns (netnest's own engine), pasta (Debian's pasta), none] (default: \"host\")"),
	F(MTU, "mtu", NULL, INT, "Network", "MTU for non-host network, 576..65521; 0 is 65520 (default: 0)"),
	F(CIDR, "cidr", NULL, STRING, "Network", "CIDR for slirp4netns network (default: 10.0.2.0/24)"),
	F(IFNAME, "ifname", NULL, STRING, "Network", "Network interface name (default: tap0)"),
	F(DISABLE_HOST_LOOPBACK, "disable-host-loopback", NULL, BOOL, "Network", "prohibit connecting to 127.0.0.1:* on the host namespace (netnest: prohibited unless given as =false) (default: true)"),
	F(IPV6, "ipv6", NULL, BOOL, "Network", "enable IPv6 routing. Unrelated to port forwarding. Only supported for slirp4netns. (default: false)"),
	F(DETACH_NETNS, "detach-netns", NULL, BOOL, "Network", "detach network namespaces: the command stays in the host netns, the nest's is $ROOTLESSKIT_STATE_DIR/netns (default: false)"),
	F(LXC_USER_NIC_BINARY, "lxc-user-nic-binary", NULL, STRING, "Network [lxc-user-nic]", "path of lxc-user-nic binary for --net=lxc-user-nic (refused)"),
	F(LXC_USER_NIC_BRIDGE, "lxc-user-nic-bridge", NULL, STRING, "Network [lxc-user-nic]", "lxc-user-nic bridge name (refused)"),
	F(SLIRP4NETNS_BINARY, "slirp4netns-binary", NULL, STRING, "Network [slirp4netns]", "path of slirp4netns binary for --net=slirp4netns (only \"slirp4netns\": netnest runs its own engine) (default: \"slirp4netns\")"),
	F(SLIRP4NETNS_SANDBOX, "slirp4netns-sandbox", NULL, STRING, "Network [slirp4netns]", "enable slirp4netns sandbox [auto, true, false] (netnest's engine is always sandboxed) (default: \"false\")"),
	F(SLIRP4NETNS_SECCOMP, "slirp4netns-seccomp", NULL, STRING, "Network [slirp4netns]", "enable slirp4netns seccomp [auto, true, false] (netnest's engine always has seccomp) (default: \"false\")"),
	F(VPNKIT_BINARY, "vpnkit-binary", NULL, STRING, "Network [vpnkit]", "path of VPNKit binary for --net=vpnkit (refused)"),
	F(PASTA_BINARY, "pasta-binary", NULL, STRING, "Network [pasta]", "path of pasta binary for --net=pasta (only \"pasta\", found in $PATH) (default: \"pasta\")"),
	F(PORT_DRIVER, "port-driver", NULL, STRING, "Port", "port driver for non-host network. [none, builtin (netnest's), slirp4netns (= builtin)] (default: \"none\")"),
	F(PUBLISH, "publish", "p", SLICE, "Port", "publish ports. e.g. \"127.0.0.1:8080:80/tcp\""),
	F(SOURCE_IP_TRANSPARENT, "source-ip-transparent", NULL, BOOL, "Port", "preserve real client source IP using IP_TRANSPARENT (builtin port driver; netnest: TCP and UDP) (default: true)"),
	F(PIDNS, "pidns", NULL, BOOL, "Process", "create a PID namespace (default: false)"),
	F(CGROUPNS, "cgroupns", NULL, BOOL, "Process", "create a cgroup namespace (default: false)"),
	F(UTSNS, "utsns", NULL, BOOL, "Process", "create a UTS namespace (default: false)"),
	F(IPCNS, "ipcns", NULL, BOOL, "Process", "create an IPC namespace (default: false)"),
	F(REAPER, "reaper", NULL, STRING, "Process", "enable process reaper. Requires --pidns. [auto,true,false] (default: \"auto\")"),
	F(EVACUATE_CGROUP2, "evacuate-cgroup2", NULL, STRING, "Process", "evacuate processes into the specified subgroup (refused)"),
	F(STATE_DIR, "state-dir", NULL, STRING, "State", "state directory"),
	F(SUBID_SOURCE, "subid-source", NULL, STRING, "SubID", "the source of the subids. \"dynamic\" executes /usr/bin/getsubids. \"static\" reads /etc/{subuid,subgid}. [auto,dynamic,static] (default: \"auto\")"),
	{ NN_RK_NFLAGS, NULL, NULL, NN_RK_BOOL, NULL, NULL },
};
#undef F

static const struct nn_rk_flag *find_flag(const char *name, size_t len)
{
	for (const struct nn_rk_flag *f = nn_rk_flags; f->name; f++)
		if ((strlen(f->name) == len && !strncmp(f->name, name, len)) ||
		    (f->alias && strlen(f->alias) == len && !strncmp(f->alias, name, len)))
			return f;
	return NULL;
}

/* Go's strconv.ParseBool */
static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(s, yes[i]))
			return *out = true, 0;
		if (!strcmp(s, no[i]))
			return *out = false, 0;
	}
	return -EINVAL;
}

/* Go's strconv.ParseInt(s, 0, 64): a sign, then decimal, 0x, 0o, 0b or 0 (octal) */
static int parse_int(const char *s, long *out)
{
	const char *p = s + (*s == '+' || *s == '-');
	int base = 10;
	char *end;

	if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
		base = 2, p += 2;
	else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
		base = 8, p += 2;
	else if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		base = 16, p += 2;
	else if (p[0] == '0' && p[1])
		base = 8, p += 1;
	if (!*p || *p == '+' || *p == '-' || *p == ' ')
		return -EINVAL;
	errno = 0;
	*out = strtol(p, &end, base);
	if (*end || errno)
		return -EINVAL;
	if (*s == '-')
		*out = -*out;
	return 0;
}

static int append(struct nn_rk_opts *o, enum nn_rk_id id, const char *v, int argc,
		  struct nn_err *err)
{
	if (!o->list[id]) {
		o->list[id] = calloc((size_t)argc, sizeof(char *));
		if (!o->list[id])
			return nn_err(err, ENOMEM, "parse the command line");
	}
	o->list[id][o->nlist[id]++] = v;
	return 0;
}

int nn_rk_parse(int argc, char **argv, struct nn_rk_opts *o, struct nn_err *err)
{
	int i = 1;

	memset(o, 0, sizeof(*o));
	while (i < argc) {
		const char *s = argv[i], *name, *eq, *value = NULL;
		const struct nn_rk_flag *f;
		size_t len;

		if (strlen(s) < 2 || s[0] != '-')
			break;
		if (!strcmp(s, "--")) {
			i++;
			break;
		}
		name = s + (s[1] == '-' ? 2 : 1);
		if (!*name || *name == '-' || *name == '=')
			return nn_errx(err, EINVAL, "bad flag syntax: %s", s);
		i++;
		eq = strchr(name + 1, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		if (eq)
			value = eq + 1;
		f = find_flag(name, len);
		if (!f)
			return nn_errx(err, EINVAL, "flag provided but not defined: -%.*s", (int)len,
				       name);
		if (f->type == NN_RK_BOOL) {
			bool b = true;

			if (value && parse_bool(value, &b) < 0)
				return nn_errx(err, EINVAL, "invalid boolean value \"%s\" for -%.*s: "
					       "parse error", value, (int)len, name);
			o->on[f->id] = b;
			o->given[f->id]++;
			continue;
		}
		if (!value) {
			if (i >= argc)
				return nn_errx(err, EINVAL, "flag needs an argument: -%.*s", (int)len,
					       name);
			value = argv[i++];
		}
		if (f->type == NN_RK_INT && parse_int(value, &o->num[f->id]) < 0)
			return nn_errx(err, EINVAL, "invalid value \"%s\" for flag -%.*s: parse error",
				       value, (int)len, name);
		if (f->type == NN_RK_SLICE && append(o, f->id, value, argc, err) < 0)
			return -ENOMEM;
		o->val[f->id] = value;
		o->given[f->id]++;
	}
	o->argv = argv + i;
	o->argc = argc - i;
	return 0;
}

void nn_rk_opts_free(struct nn_rk_opts *o)
{
	for (int i = 0; i < NN_RK_NFLAGS; i++) {
		free(o->list[i]);
		o->list[i] = NULL;
		o->nlist[i] = 0;
	}
}

void nn_rk_clean_path(char *p)
{
	char *w = p + 1; /* write position, after the root slash */
	const char *r = p + 1;

	while (*r) {
		const char *e = strchrnul(r, '/');
		size_t len = (size_t)(e - r);

		if (len == 0 || (len == 1 && r[0] == '.')) {
			/* empty or "." name: nothing */
		} else if (len == 2 && r[0] == '.' && r[1] == '.') {
			while (w > p + 1 && *--w != '/')
				;
		} else {
			if (w > p + 1)
				*w++ = '/';
			memmove(w, r, len);
			w += len;
		}
		r = *e ? e + 1 : e;
	}
	*w = '\0';
}

/* the value of string flag @id, or @def when it was not given */
static const char *sval(const struct nn_rk_opts *o, enum nn_rk_id id, const char *def)
{
	return o->given[id] ? o->val[id] : def;
}

static bool one_of(const char *v, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(v, *set))
			return true;
	return false;
}

static const char *const auto_true_false[] = { "auto", "true", "false", NULL };

/* --net: its driver and engine (extengine.h), or a refusal */
static int check_net(const char *net, struct nn_nest_config *cfg, struct nn_err *err)
{
	static const char *const other[] = { "vpnkit", "lxc-user-nic", "gvisor-tap-vsock", NULL };

	cfg->engine = NN_ENGINE_BUILTIN;
	if (!strcmp(net, "host")) {
		cfg->net = NN_NET_HOST;
	} else if (!strcmp(net, "slirp4netns")) {
		cfg->net = NN_NET_ENGINE;
	} else if (!strcmp(net, "none")) {
		cfg->net = NN_NET_NONE;
	} else if (!strcmp(net, "pasta")) {
		cfg->net = NN_NET_ENGINE;
		cfg->engine = NN_ENGINE_PASTA; /* Debian's pasta, as `up --net pasta` */
	} else if (one_of(net, other)) {
		return nn_errx(err, EINVAL, "--net=%s: not supported by netnest (--net=slirp4netns "
			       "runs netnest's own engine)", net);
	} else {
		return nn_errx(err, EINVAL, "--net=%s: unknown network mode", net);
	}
	return 0;
}

/* --mtu, --cidr, --ifname, against the network (RootlessKit's parent checks) */
static int check_link(const struct nn_rk_opts *o, struct nn_nest_config *cfg,
		      struct nn_err *err)
{
	const char *ifname = o->val[NN_RK_IFNAME];

	if (o->given[NN_RK_MTU] && o->num[NN_RK_MTU] != 0) {
		long mtu = o->num[NN_RK_MTU];

		if (mtu < NN_MTU_MIN || mtu > NN_MTU_MAX)
			return nn_errx(err, EINVAL, "--mtu=%ld: out of range %u..%u", mtu,
				       NN_MTU_MIN, NN_MTU_MAX);
		if (cfg->net != NN_NET_ENGINE)
			return nn_errx(err, EINVAL, "--mtu=%ld: needs --net=slirp4netns or --net=pasta",
				       mtu);
		cfg->mtu = (unsigned)mtu;
	}
	if (o->given[NN_RK_CIDR] && *o->val[NN_RK_CIDR]) {
		if (cfg->net != NN_NET_ENGINE)
			return nn_errx(err, EINVAL, "--cidr=%s: custom cidr is supported only for "
				       "--net=slirp4netns", o->val[NN_RK_CIDR]);
		if (nn_cidr_parse(o->val[NN_RK_CIDR], "--cidr", &cfg->cidr, err) < 0)
			return -EINVAL;
	}
	if (o->given[NN_RK_IFNAME] && *ifname) {
		if (strchr(ifname, '/') || strlen(ifname) >= IFNAMSIZ)
			return nn_errx(err, EINVAL, "--ifname=%s: not an interface name (no '/', at "
				       "most %d bytes)", ifname, IFNAMSIZ - 1);
		if (cfg->net == NN_NET_HOST)
			return nn_errx(err, EINVAL, "--ifname=%s: ifname cannot be specified for "
				       "--net=host", ifname);
		snprintf(cfg->tap, sizeof(cfg->tap), "%s", ifname);
	}
	return 0;
}

/* --port-driver and --publish */
static int check_ports(const struct nn_rk_opts *o, struct nn_nest_config *cfg,
		       const char *net, struct nn_err *err)
{
	const char *pd = sval(o, NN_RK_PORT_DRIVER, "none");

	if (!strcmp(pd, "none")) {
		cfg->port_driver = false;
	} else if (!strcmp(pd, "builtin") || !strcmp(pd, "slirp4netns")) {
		if (cfg->net == NN_NET_HOST)
			return nn_errx(err, EINVAL, "--port-driver=%s: port driver requires "
				       "non-host network", pd);
		if (!strcmp(pd, "slirp4netns") &&
		    (cfg->net != NN_NET_ENGINE || cfg->engine == NN_ENGINE_PASTA))
			return nn_errx(err, EINVAL, "--port-driver=slirp4netns: port driver requires "
				       "slirp4netns network (not --net=%s)", net);
		cfg->port_driver = true;
	} else {
		return nn_errx(err, EINVAL, "--port-driver=%s: unknown port driver (none, builtin "
			       "or slirp4netns)", pd);
	}
	/* RootlessKit 3 (cmd/rootlesskit/main.go): default true, read by the builtin driver
	 * only; its slirp4netns driver always propagates the source */
	cfg->keep_source = !o->given[NN_RK_SOURCE_IP_TRANSPARENT] ||
			   o->on[NN_RK_SOURCE_IP_TRANSPARENT] || !strcmp(pd, "slirp4netns");
	if (o->nlist[NN_RK_PUBLISH] && !cfg->port_driver)
		return nn_errx(err, EINVAL, "--publish=%s: port driver \"none\" does not support "
			       "publishing ports", o->list[NN_RK_PUBLISH][0]);
	return 0;
}

/* Split "[a]:b:c" on colons outside brackets; brackets dropped.  Return the count. */
static int split_colons(char *s, char *part[5])
{
	int n = 0;

	part[n++] = s;
	for (char *p = s; *p; p++) {
		if (*p == '[') {
			char *close = strchr(p, ']');

			if (!close)
				return -1;
			p = close;
		} else if (*p == ':') {
			if (n == 5)
				return -1;
			*p = '\0';
			part[n++] = p + 1;
		}
	}
	for (int i = 0; i < n; i++) {
		size_t len = strlen(part[i]);

		if (len >= 2 && part[i][0] == '[' && part[i][len - 1] == ']') {
			part[i][len - 1] = '\0';
			part[i]++;
		}
	}
	return n;
}

/* RootlessKit's -p: [PARENTIP:]PARENTPORT[:CHILDIP]:CHILDPORT/PROTO (portutil.ParsePortSpec) */
static int parse_publish(const char *s, struct nn_portspec *out, struct nn_err *err)
{
	char buf[256], *slash, *part[5];
	_cleanup_json_ json_t *j = NULL;
	unsigned long pp, cp;
	int n;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return nn_errx(err, EINVAL, "--publish=%s: too long", s);
	slash = strrchr(buf, '/');
	if (!slash)
		return nn_errx(err, EINVAL, "--publish=%s: missing proto in PortSpec string (add "
			       "/tcp or /udp)", s);
	*slash = '\0';
	n = split_colons(buf, part);
	if (n < 2 || n > 4)
		return nn_errx(err, EINVAL, "--publish=%s: not [PARENTIP:]PARENTPORT[:CHILDIP]:"
			       "CHILDPORT/PROTO", s);
	if (nn_parse_uint(part[n == 2 ? 0 : 1], 1, 65535, &pp) < 0 ||
	    nn_parse_uint(part[n - 1], 1, 65535, &cp) < 0)
		return nn_errx(err, EINVAL, "--publish=%s: a port is not a number in 1..65535", s);
	j = json_pack("{s:s, s:i, s:i}", "proto", slash + 1, "parentPort", (int)pp,
		      "childPort", (int)cp);
	if (!j)
		return nn_err(err, ENOMEM, "--publish=%s", s);
	if (n >= 3 && *part[0])
		json_object_set_new(j, "parentIP", json_string(part[0]));
	if (n == 4 && *part[2])
		json_object_set_new(j, "childIP", json_string(part[2]));
	if (nn_portspec_from_json(j, out, err) < 0)
		return nn_err_wrap(err, "--publish=%s", s);
	return 0;
}

/* --copy-up, --copy-up-mode and --propagation (RootlessKit's child checks) */
static int check_mounts(const struct nn_rk_opts *o, struct nn_child_config *c,
			struct nn_err *err)
{
	static const struct { const char *name; unsigned long flags; } props[] = {
		{ "private", MS_PRIVATE }, { "rprivate", MS_REC | MS_PRIVATE },
		{ "shared", MS_SHARED }, { "rshared", MS_REC | MS_SHARED },
		{ "slave", MS_SLAVE }, { "rslave", MS_REC | MS_SLAVE },
	};
	const char *mode = sval(o, NN_RK_COPY_UP_MODE, "tmpfs+symlink");
	const char *prop = sval(o, NN_RK_PROPAGATION, "rprivate");
	size_t n = o->nlist[NN_RK_COPY_UP];

	c->propagation = 0;
	for (size_t i = 0; i < ARRAY_SIZE(props); i++)
		if (!strcmp(prop, props[i].name))
			c->propagation = props[i].flags;
	if (!c->propagation)
		return nn_errx(err, EINVAL, "--propagation=%s: unknown propagation (rprivate, "
			       "rslave, rshared, private, slave or shared)", prop);
	if (strcmp(mode, "tmpfs+symlink"))
		return nn_errx(err, EINVAL, "--copy-up-mode=%s: unknown copy-up mode (only "
			       "tmpfs+symlink)", mode);
	if (n && (c->propagation & MS_SHARED))
		return nn_errx(err, EINVAL, "--propagation=%s: propagation %s does not support "
			       "copy-up driver tmpfs+symlink", prop, prop);
	c->copy_up = calloc(n + 1, sizeof(char *));
	if (!c->copy_up)
		return nn_err(err, ENOMEM, "--copy-up");
	for (size_t i = 0; i < n; i++) {
		const char *d = o->list[NN_RK_COPY_UP][i];

		if (d[0] != '/')
			return nn_errx(err, EINVAL, "--copy-up=%s: not an absolute path", d);
		c->copy_up[i] = strdup(d);
		if (!c->copy_up[i])
			return nn_err(err, ENOMEM, "--copy-up");
		c->ncopy_up++;
		nn_rk_clean_path(c->copy_up[i]);
		if (!strcmp(c->copy_up[i], "/tmp"))
			return nn_errx(err, EINVAL, "--copy-up=%s: /tmp cannot be copied up", d);
		if (!strcmp(c->copy_up[i], "/"))
			return nn_errx(err, EINVAL, "--copy-up=%s: / cannot be copied up", d);
	}
	return 0;
}

/* the flags of engines netnest does not have, and of unsupported features */
static int check_refused(const struct nn_rk_opts *o, struct nn_err *err)
{
	static const enum nn_rk_id ids[] = {
		NN_RK_LXC_USER_NIC_BINARY, NN_RK_LXC_USER_NIC_BRIDGE, NN_RK_VPNKIT_BINARY,
	};
	const char *v;

	if (o->given[NN_RK_EVACUATE_CGROUP2])
		return nn_errx(err, EINVAL, "--evacuate-cgroup2=%s: not supported by netnest",
			       o->val[NN_RK_EVACUATE_CGROUP2]);
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
		if (o->given[ids[i]])
			return nn_errx(err, EINVAL, "--%s=%s: not supported by netnest (it has no "
				       "such engine)", nn_rk_flags[ids[i]].name, o->val[ids[i]]);
	v = sval(o, NN_RK_SLIRP4NETNS_BINARY, "slirp4netns");
	if (strcmp(v, "slirp4netns"))
		return nn_errx(err, EINVAL, "--slirp4netns-binary=%s: not supported by netnest "
			       "(--net=slirp4netns runs netnest's own engine)", v);
	v = sval(o, NN_RK_PASTA_BINARY, "pasta");
	if (strcmp(v, "pasta"))
		return nn_errx(err, EINVAL, "--pasta-binary=%s: not supported by netnest (--net=pasta "
			       "runs the pasta in $PATH)", v);
	for (enum nn_rk_id id = NN_RK_SLIRP4NETNS_SANDBOX; id <= NN_RK_SLIRP4NETNS_SECCOMP; id++)
		if (o->given[id] && !one_of(o->val[id], auto_true_false))
			return nn_errx(err, EINVAL, "--%s=%s: must be auto, true or false",
				       nn_rk_flags[id].name, o->val[id]);
	return 0;
}

int nn_rk_check(const struct nn_rk_opts *o, struct nn_nest_config *cfg,
		struct nn_child_config *c, struct nn_err *err)
{
	const char *net = sval(o, NN_RK_NET, "host"), *reaper = sval(o, NN_RK_REAPER, "auto");
	const char *v;
	int r;

	memset(c, 0, sizeof(*c));
	cfg->bridge[0] = '\0';
	r = check_refused(o, err);
	if (r == 0)
		r = check_net(net, cfg, err);
	/* --ipv6: the engine's IPv6 on tap0, fd00::100/64 via fd00::2 (RootlessKit
	 * docs/network.md; slirp4netns --enable-ipv6); RootlessKit's child has none without */
	cfg->ipv6 = o->given[NN_RK_IPV6] && o->on[NN_RK_IPV6];
	if (r == 0 && cfg->ipv6 && cfg->engine == NN_ENGINE_PASTA)
		r = nn_errx(err, EINVAL, "--ipv6: not supported with --net=pasta by netnest "
			    "(it runs pasta --ipv4-only)");
	if (r == 0 && cfg->ipv6 && cfg->net != NN_NET_ENGINE)
		r = nn_errx(err, EINVAL, "--ipv6: only supported for --net=slirp4netns, not "
			    "--net=%s", net);
	if (r == 0)
		r = check_link(o, cfg, err);
	if (r == 0)
		r = check_ports(o, cfg, net, err);
	if (r < 0)
		return r;
	v = sval(o, NN_RK_SUBID_SOURCE, "auto");
	if (nn_subid_source_parse(v, &cfg->subid_source) < 0)
		return nn_errx(err, EINVAL, "--subid-source=%s: unknown subid source (auto, "
			       "dynamic, static)", v);
	/* host loopback stays closed unless asked for: --disable-host-loopback=false */
	cfg->allow_host_loopback = o->given[NN_RK_DISABLE_HOST_LOOPBACK] &&
				   !o->on[NN_RK_DISABLE_HOST_LOOPBACK];
	c->detach_netns = o->on[NN_RK_DETACH_NETNS];
	if (c->detach_netns && cfg->net == NN_NET_HOST)
		return nn_errx(err, EINVAL, "--detach-netns: needs a network of its own "
			       "(--net=slirp4netns or none), not --net=host");
	c->pidns = o->on[NN_RK_PIDNS];
	c->cgroupns = o->on[NN_RK_CGROUPNS];
	c->utsns = o->on[NN_RK_UTSNS];
	c->ipcns = o->on[NN_RK_IPCNS];
	if (!one_of(reaper, auto_true_false))
		return nn_errx(err, EINVAL, "--reaper=%s: unknown reaper mode (auto, true or "
			       "false)", reaper);
	if (!strcmp(reaper, "true") && !c->pidns)
		return nn_errx(err, EINVAL, "--reaper=true: reaper requires --pidns");
	c->reaper = c->pidns && strcmp(reaper, "false");
	if (o->nlist[NN_RK_PUBLISH]) {
		c->ports = calloc(o->nlist[NN_RK_PUBLISH], sizeof(*c->ports));
		if (!c->ports)
			return nn_err(err, ENOMEM, "--publish");
		for (size_t i = 0; i < o->nlist[NN_RK_PUBLISH]; i++, c->nports++)
			if (parse_publish(o->list[NN_RK_PUBLISH][i], &c->ports[i], err) < 0)
				return -EINVAL;
	}
	r = check_mounts(o, c, err);
	if (r < 0)
		return r;
	if (o->argc == 0)
		return nn_errx(err, EINVAL, "no command specified");
	c->argv = o->argv;
	return 0;
}
