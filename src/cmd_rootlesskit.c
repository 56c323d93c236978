// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_rootlesskit.c - netnest rootlesskit [FLAGS] CMD... (and netnest run as "rootlesskit"):
 * RootlessKit's command line on a nest (docs/rootlesskit.md)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "lib/nest/nest.h"
#include "lib/nest/extengine.h"
#include "lib/nest/rk.h"
#include "lib/nest/rkflags.h"

/* the name the help shows: "rootlesskit" when run as the symlink (main.c) */
static const char *prog(void)
{
	return !strcmp(program_invocation_short_name, "rootlesskit") ? "rootlesskit" :
								       "netnest rootlesskit";
}

/*
 * "[rootlesskit:parent] error: ...", RootlessKit's frame (cmd/rootlesskit main.go prints
 * it for the parent's error), under either name: scripts that read RootlessKit's errors
 * read netnest's.
 */
static int fail(const char *msg)
{
	fflush(stdout); /* "Incorrect Usage." and the help first, as RootlessKit */
	fprintf(stderr, "[rootlesskit:parent] error: %s\n", msg);
	return EXIT_FAIL;
}

/* RootlessKit's --help (urfave/cli v2's layout: categories, one flag a line) */
static void help(FILE *f)
{
	const char *cat = NULL;
	size_t width = 0;
	char left[80];

	for (const struct nn_rk_flag *fl = nn_rk_flags; fl->name; fl++) {
		bool value = fl->type != NN_RK_BOOL;
		int n = snprintf(left, sizeof(left), "--%s%s%s%s%s", fl->name,
				 value ? " value" : "", fl->alias ? ", -" : "",
				 fl->alias ? fl->alias : "", fl->alias && value ? " value" : "");

		if ((size_t)n > width)
			width = (size_t)n;
	}
	fprintf(f,
		"NAME:\n"
		"   %s - Linux-native fakeroot using user namespaces (RootlessKit's command line on "
		"netnest)\n"
		"\n"
		"USAGE:\n"
		"   %s [global options] [arguments...]\n"
		"\n"
		"VERSION:\n"
		"   %s (netnest)\n"
		"\n"
		"DESCRIPTION:\n"
		"   netnest's drop-in for RootlessKit: the command runs as root in a user namespace\n"
		"   and a mount namespace of its own, with netnest's network (--net=slirp4netns is\n"
		"   netnest's own engine) and netnest's port driver (--port-driver=builtin).\n"
		"   \n"
		"   Examples:\n"
		"     # spawn a shell with a new user namespace and a mount namespace\n"
		"     rootlesskit bash\n"
		"   \n"
		"     # make /etc writable\n"
		"     rootlesskit --copy-up=/etc bash\n"
		"   \n"
		"     # a network namespace with netnest's engine, 80/tcp published as 8080/tcp\n"
		"     rootlesskit --copy-up=/etc --net=slirp4netns --disable-host-loopback "
		"--port-driver=builtin -p 127.0.0.1:8080:80/tcp bash\n"
		"   \n"
		"   Flags netnest cannot honour are refused by name; see docs/rootlesskit.md.\n"
		"   Note: /etc/subuid and /etc/subgid give the user namespace its other IDs.\n"
		"\n"
		"OPTIONS:\n", prog(), prog(), NETNEST_VERSION);
	for (const struct nn_rk_flag *fl = nn_rk_flags; fl->name; fl++) {
		bool value = fl->type != NN_RK_BOOL;

		if (!cat || strcmp(cat, fl->category)) {
			if (cat)
				fprintf(f, "    %*s\n", (int)width, "");
			cat = fl->category;
			fprintf(f, "  %s:\n", cat);
		}
		snprintf(left, sizeof(left), "--%s%s%s%s%s", fl->name, value ? " value" : "",
			 fl->alias ? ", -" : "", fl->alias ? fl->alias : "",
			 fl->alias && value ? " value" : "");
		fprintf(f, "    %-*s  %s\n", (int)width, left, fl->usage);
	}
}

int cmd_rootlesskit(int argc, char **argv, struct nn_err *err)
{
	struct nn_rk_opts o;
	struct nn_child_config child;
	struct nn_nest_config cfg;
	struct nn_nest_start st;
	int r, status;

	if (nn_rk_parse(argc, argv, &o, err) < 0) {
		/* urfave/cli: the complaint and the help on stdout, the error on stderr */
		printf("Incorrect Usage. %s\n\n", err->msg);
		help(stdout);
		nn_rk_opts_free(&o);
		return fail(err->msg);
	}
	if (o.on[NN_RK_HELP]) {
		help(stdout);
		nn_rk_opts_free(&o);
		return 0;
	}
	if (o.on[NN_RK_VERSION]) {
		printf("rootlesskit version %s (netnest)\n", NETNEST_VERSION);
		nn_rk_opts_free(&o);
		return 0;
	}
	nn_nest_config_init(&cfg, "rootlesskit");
	r = nn_rk_check(&o, &cfg, &child, err);
	child.parent_euid = geteuid();
	child.parent_egid = getegid();
	cfg.child = &child;
	if (r == 0)
		r = nn_nest_config_finish(&cfg, err);
	if (r == 1) { /* --ipv6 with --mtu below 1280: IPv4 only */
		nn_warn("--ipv6: %s", err->msg);
		r = 0;
	}
	if (r == 0)
		r = nn_extengine_check(&cfg, err);
	if (r == 0)
		r = nn_rk_state_dir(o.val[NN_RK_STATE_DIR], cfg.state_dir, err);
	if (r < 0) {
		status = fail(err->msg);
		goto out;
	}
	r = nn_nest_start(&cfg, false, &st, err);
	if (st.notice[0])
		nn_warn("%s", st.notice);
	if (r < 0) {
		status = fail(err->msg);
		goto out;
	}
	err->code = 0;
	status = nn_rk_wait(&st, cfg.state_dir, err);
	if (err->code)
		fail(err->msg);
out:
	nn_child_config_free(&child);
	nn_rk_opts_free(&o);
	return status;
}
