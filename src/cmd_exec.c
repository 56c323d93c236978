// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_exec.c - `netnest exec`: run a command in a netns, as `ip netns exec` does */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "lib/inspect/enter.h"
#include "lib/core/state.h"
#include "lib/core/util.h"

static int usage(FILE *f, int status)
{
	fprintf(f, "Usage: netnest exec [--nest NEST] TARGET -- CMD [ARG]...\n"
		"       netnest exec --all -- CMD [ARG]...\n"
		"Run CMD in a netns, with a fresh /sys so /sys/class/net matches, and exit with\n"
		"its status. TARGET: a PID, a name in /run/netns (or $XDG_RUNTIME_DIR/netns), a\n"
		"path, a netnest sandbox, or 'nest'. A rootless netns is entered through its\n"
		"user namespace first.\n"
		"  -a, --all        run CMD in every netns named in /run/netns, printing\n"
		"                   'netns: NAME' before each\n"
		"  -n, --nest NEST  nest for sandbox names and 'nest' (default: %s)\n",
		NN_NEST_DEFAULT);
	return status;
}

/* run_in() - resolve @spec, enter it, run @cmd; returns its exit status, or -errno */
static int run_in(const char *spec, const char *nest, char **cmd, struct nn_err *err)
{
	struct nn_enter_info info;
	struct nn_target t;
	bool not_run;
	int r;

	if (nn_target_resolve(spec, nest, &t, err) < 0)
		return nn_fail(err);
	r = nn_enter(&t, &info, err);
	if (r == 0 && !info.sysfs_fresh)
		nn_warn("%s: /sys could not be remounted (%s), so /sys/class/net shows the "
			"old netns's devices", t.label, strerror(info.sysfs_errno));
	nn_target_close(&t);
	if (r < 0)
		return nn_fail(err);
	fflush(NULL);
	r = nn_run_wait(cmd, &not_run, err);
	if (r < 0 && not_run) { /* as nsenter(1) and the shells (POSIX sh, 2.8.2) */
		nn_print_err(err);
		return r == -ENOENT ? 127 : 126;
	}
	return r < 0 ? nn_fail(err) : r;
}

/* run_all() - `ip netns exec -all`: each name in a child of its own, in name order */
static int run_all(char **cmd, struct nn_err *err)
{
	struct dirent **names = NULL;
	int n, failed = 0;

	n = scandir(NN_NETNS_RUN_DIR, &names, NULL, alphasort);
	if (n < 0) {
		if (errno == ENOENT)
			return 0; /* no names: nothing to run, as ip netns exec -all */
		return nn_err(err, errno, "list %s", NN_NETNS_RUN_DIR);
	}
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		pid_t pid;
		int status;

		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue; /* as ip netns exec -all: a name may start with '.' */
		printf("\nnetns: %s\n", name);
		fflush(stdout);
		pid = fork();
		if (pid < 0) {
			nn_err(err, errno, "fork for netns %s", name);
			failed = nn_print_err(err);
			break;
		}
		if (pid == 0)
			_exit(nn_exit_status(run_in(name, NULL, cmd, err), err)); /* a name first */
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed = EXIT_FAIL;
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return failed;
}

int cmd_exec(int argc, char **argv, struct nn_err *err)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "nest", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *nest = NULL; /* not given: names before sandboxes (nn_target_resolve()) */
	bool all = false, dashdash;
	char **cmd;
	int c;

	/* "+": options end at TARGET, so CMD's own options (ls -a) are never taken as ours */
	while ((c = getopt_long(argc, argv, "+:an:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': all = true; break;
		case 'n': nest = optarg; break;
		case 'h': return usage(stdout, 0);
		default: return nn_opt_error(argv, c);
		}
	}
	dashdash = optind > 1 && !strcmp(argv[optind - 1], "--");
	argc -= optind;
	argv += optind;
	if (all) {
		if (argc < 1)
			return nn_usage_error("exec", "no command given");
		return run_all(argv, err);
	}
	if (argc < 1)
		return nn_usage_error("exec", "no TARGET given");
	if (argc < 2 && dashdash)
		return nn_usage_error("exec", "no TARGET given before --");
	cmd = argv + 1;
	if (cmd[0] && !strcmp(cmd[0], "--"))
		cmd++;
	if (!cmd[0])
		return nn_usage_error("exec", "no command given after %s", argv[0]);
	return run_in(argv[0], nest, cmd, err);
}
