// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_topo.c - netnest topo, netnest peer: how network namespaces are wired */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "cmd.h"
#include "lib/core/ns.h"
#include "lib/core/out.h"
#include "lib/inspect/topo.h"
#include "lib/core/util.h"
#include "lib/inspect/enter.h"

static int topo_usage(FILE *f, int status)
{
	fprintf(f,
		"Usage: netnest topo [--json | --dot | --svg FILE]\n\n"
		"Show how every network namespace on the machine is wired: the chain from each\n"
		"container or sandbox out to the engine holding the tap, then every netns with\n"
		"its interfaces, addresses, veth peers, bridge ports, tap holders and routes.\n"
		"What cannot be read with the caller's rights is listed as not covered.\n\n"
		"Options:\n"
		"  -j, --json      print JSON (keys as ip -j where they overlap)\n"
		"      --dot       print a Graphviz digraph\n"
		"      --svg FILE  render the digraph to FILE with dot -Tsvg\n"
		"  -h, --help      show this help\n");
	return status;
}

/* run dot -Tsvg -o @path with the digraph of @t on its stdin (no shell) */
static int write_svg(const struct nn_topo *t, const char *path, struct nn_err *err)
{
	int p[2], status, ret;
	FILE *f;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return nn_err(err, errno, "pipe to dot");
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return nn_err(err, errno, "fork dot");
	}
	if (pid == 0) {
		dup2(p[0], STDIN_FILENO);
		execlp("dot", "dot", "-Tsvg", "-o", path, (char *)NULL);
		_exit(127); /* reported once, by the parent */
	}
	close(p[0]);
	/* dot may exit before reading it all: get EPIPE, not a silent death by SIGPIPE */
	signal(SIGPIPE, SIG_IGN);
	f = fdopen(p[1], "w");
	if (!f) {
		close(p[1]);
		ret = nn_err(err, errno, "pipe to dot");
	} else {
		ret = nn_topo_render_dot(t, f);
		fclose(f);
		if (ret < 0)
			ret = nn_err(err, -ret, "write digraph to dot");
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		ret = nn_err(err, ENOENT, "run dot -Tsvg (graphviz)");
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) /* dot's failure, not EPIPE */
		ret = nn_errx(err, EIO, "dot -Tsvg -o %s failed (exit %d)", path,
			      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return ret;
}

int cmd_topo(int argc, char **argv, struct nn_err *err)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "dot", no_argument, NULL, 'D' },
		{ "svg", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct nn_topo t = { 0 };
	const char *svg = NULL;
	bool json = false, dot = false;
	struct nn_out *o;
	int c, ret;

	while ((c = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'D': dot = true; break;
		case 'S': svg = optarg; break;
		case 'h': return topo_usage(stdout, 0);
		case ':':
			if (optopt == 'S')
				return nn_usage_error(argv[0], "option --svg needs a FILE to write "
						      "the SVG to");
			return nn_opt_error(argv, c);
		default: return nn_opt_error(argv, c);
		}
	}
	if (svg && !*svg)
		return nn_usage_error(argv[0], "option --svg needs a FILE to write the SVG to, "
				      "not an empty name");
	if (optind < argc)
		return nn_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	if (json + dot + !!svg > 1)
		return nn_usage_error(argv[0], "--json, --dot and --svg exclude each other");
	if (nn_topo_build(&t, NN_TOPO_HOLDERS, err) < 0)
		return nn_fail(err);
	if (svg) {
		ret = write_svg(&t, svg, err);
	} else if (dot) {
		ret = nn_topo_render_dot(&t, stdout);
		if (ret < 0)
			nn_err(err, -ret, "write digraph");
	} else {
		o = nn_out_new(stdout, json);
		if (!o) {
			ret = nn_err(err, ENOMEM, "start the topology output");
		} else {
			nn_topo_render(&t, o);
			ret = nn_out_finish(o);
			if (ret < 0)
				nn_err(err, -ret, "write topology");
		}
	}
	nn_topo_free(&t);
	return ret < 0 ? nn_fail(err) : 0;
}

static int peer_usage(FILE *f, int status)
{
	fprintf(f,
		"Usage: netnest peer IFNAME [-n NETNS] [--json]\n\n"
		"Show the other end of veth IFNAME, in whatever netns it lives: its name,\n"
		"ifindex, netns inode, and the names and processes of that netns.  Resolved\n"
		"through IFLA_LINK_NETNSID and the nsid map, never by index or name alone.\n\n"
		"Options:\n"
		"  -n, --netns NETNS  netns of IFNAME, as exec's TARGET: a PID, a path, a name\n"
		"                     in /run/netns or $XDG_RUNTIME_DIR/netns, 'nest' or a\n"
		"                     sandbox (default: the caller's netns)\n"
		"  -j, --json         print JSON\n"
		"  -h, --help         show this help\n");
	return status;
}

/* open the netns named by @spec, as exec's TARGET (nn_target_resolve()): a PID, a path,
 * a name in /run/netns or $XDG_RUNTIME_DIR/netns, "nest" or a sandbox of the default nest */
static int open_netns(const char *spec, struct nn_err *err)
{
	struct nn_target t;
	int fd;

	if (!spec)
		return nn_ns_open_pid(getpid(), NN_NS_NET, err);
	if (nn_target_resolve(spec, NULL, &t, err) < 0)
		return -1;
	fd = t.netfd;
	t.netfd = -1;
	nn_target_close(&t);
	return fd;
}

static void render_peer(struct nn_out *o, const struct nn_topo *t, const struct nn_topo_link *l)
{
	const struct nn_topo_netns *pn = &t->netns[l->peer_ns];
	const struct nn_topo_link *p = nn_topo_link_in(pn, NULL, l->peer_ifindex);

	nn_out_string(o, "ifname", "%s", p ? p->ifname : NULL);
	nn_out_uint(o, "ifindex", " ifindex %" PRIu64, (uint64_t)l->peer_ifindex);
	nn_out_uint(o, "ns", " netns %" PRIu64, pn->ns->id.ino);
	nn_out_string(o, "role", " (%s)", nn_topo_role_name(pn->role));
	nn_out_bool(o, "symmetric", NULL, l->peer_symmetric);
	nn_out_bool(o, "read", pn->read ? NULL : " (netns not readable: name unknown)", pn->read);
	if (l->link_netnsid >= 0)
		nn_out_int(o, "link_netnsid", NULL, l->link_netnsid);
	nn_out_open_array(o, "names");
	for (size_t i = 0; i < pn->ns->nnames; i++)
		nn_out_string(o, "name", i ? ",%s" : " names %s", pn->ns->names[i]);
	nn_out_close(o);
	nn_out_open_array(o, "pids");
	for (size_t i = 0; i < pn->ns->npids; i++)
		nn_out_int(o, "pid", i ? ",%" PRId64 : " pids %" PRId64, pn->ns->pids[i]);
	nn_out_close(o);
	nn_out_text(o, "\n");
}

int cmd_peer(int argc, char **argv, struct nn_err *err)
{
	static const struct option opts[] = {
		{ "netns", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *netns = NULL, *ifname;
	struct nn_topo t = { 0 };
	_cleanup_close_ int fd = -1;
	struct nn_topo_link *l;
	struct nn_out *o;
	struct nn_nsid id;
	bool json = false;
	int c, ret = 0;
	ssize_t ns;

	while ((c = getopt_long(argc, argv, ":n:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'n': netns = optarg; break;
		case 'j': json = true; break;
		case 'h': return peer_usage(stdout, 0);
		default: return nn_opt_error(argv, c);
		}
	}
	if (optind + 1 != argc)
		return nn_usage_error(argv[0], optind < argc ? "one IFNAME only" : "IFNAME is missing");
	ifname = argv[optind];
	fd = open_netns(netns, err);
	if (fd < 0 || nn_nsid_of_fd(fd, &id, err) < 0)
		return nn_fail(err);
	if (nn_topo_build(&t, 0, err) < 0)
		return nn_fail(err);
	ns = nn_topo_find_ns(&t, id);
	l = ns >= 0 ? nn_topo_find_link(&t, (size_t)ns, ifname, 0) : NULL;
	if (ns < 0)
		ret = nn_err(err, ENOENT, "netns %llu (%s): not found by discovery",
			     (unsigned long long)id.ino, netns ? netns : "own");
	else if (!t.netns[ns].read)
		ret = nn_err(err, EACCES, "read netns %llu", (unsigned long long)id.ino);
	else if (!l)
		ret = nn_err(err, ENODEV, "interface %s in netns %llu", ifname,
			     (unsigned long long)id.ino);
	else if (strcmp(l->kind, "veth"))
		ret = nn_errx(err, ENOENT,
			      "%s in netns %llu is not a veth (kind %s): it has no peer", ifname,
			      (unsigned long long)id.ino, *l->kind ? l->kind : "none");
	else if (l->peer_ns < 0)
		ret = nn_err(err, ENXIO, "peer of %s in netns %llu (link-netnsid %d) is in a "
			     "netns this user cannot see", ifname, (unsigned long long)id.ino,
			     l->link_netnsid);
	if (ret == 0) {
		o = nn_out_new(stdout, json);
		if (!o) {
			ret = nn_err(err, ENOMEM, "start the topology output");
		} else {
			render_peer(o, &t, l);
			ret = nn_out_finish(o);
			if (ret < 0)
				nn_err(err, -ret, "write peer");
		}
	}
	nn_topo_free(&t);
	return ret < 0 ? nn_fail(err) : 0;
}
