// SPDX-License-Identifier: GPL-2.0-or-later
/* main.c - netnest <verb>: dispatch to the verb files */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "lib/core/state.h"
#include "lib/core/util.h"

static const struct verb {
	const char *name;
	int (*fn)(int argc, char **argv, struct nn_err *err);
	const char *summary;
} verbs[] = {
	{ "up",     cmd_up,     "start a nest (user + mount namespace, detached netns, engine, bridge)" },
	{ "down",   cmd_down,   "stop a nest and remove everything it made" },
	{ "info",   cmd_info,   "show a running nest (as GET /v1/info)" },
	{ "run",    cmd_run,    "run a command in a sandbox joined to the nest's bridge" },
	{ "ps",     cmd_ps,     "list running sandboxes" },
	{ "stop",   cmd_stop,   "stop a sandbox" },
	{ "port",   cmd_port,   "add, list or remove published ports" },
	{ "exec",   cmd_exec,   "run a command in a netns (nest, sandbox, pid, name or path)" },
	{ "ns",     cmd_ns,     "show the namespaces of processes, explained" },
	{ "ls",     cmd_ls,     "list every namespace on the machine and what keeps it alive" },
	{ "topo",   cmd_topo,   "show the network topology across all network namespaces" },
	{ "peer",   cmd_peer,   "show the other end of a veth, in whatever netns it is" },
	{ "attach", cmd_attach, "expose a netns to 'ip netns' under a name" },
	{ "rootlesskit", cmd_rootlesskit, "run a command as RootlessKit does, on a nest" },
};

int nn_fail(const struct nn_err *err)
{
	return err->code > 0 ? -err->code : -EIO;
}

int nn_print_err(const struct nn_err *err)
{
	fprintf(stderr, "netnest: %s\n", err->msg);
	return EXIT_FAIL;
}

int nn_exit_status(int r, struct nn_err *err)
{
	if (r >= 0)
		return r;
	if (!err->msg[0])
		snprintf(err->msg, sizeof(err->msg), "%s", strerror(-r));
	return nn_print_err(err);
}

int nn_usage_error(const char *verb, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "netnest %s: ", verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'netnest %s --help' for more information.\n", verb);
	return EXIT_USAGE;
}

int nn_opt_error(char **argv, int c)
{
	if (c == ':')
		return nn_usage_error(argv[0], "option %s needs an argument", argv[optind - 1]);
	const char *arg = argv[optind - 1], *eq = strchr(arg, '=');

	/* getopt_long(3) sets optopt to a long option's value when it refuses its argument */
	if (!strncmp(arg, "--", 2) && eq && optopt)
		return nn_usage_error(argv[0], "option %.*s takes no value", (int)(eq - arg), arg);
	if (optopt && strncmp(arg, "--", 2))
		return nn_usage_error(argv[0], "unknown option -%c", optopt);
	return nn_usage_error(argv[0], "unknown option %s", arg);
}

int nn_nest_arg(const char *verb, const char *name)
{
	const char *why;

	if (nn_valid_name(name, NN_NAME_MAX, &why))
		return 0;
	return nn_usage_error(verb, "nest name '%s' %s", name, why);
}

void nn_warn(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "netnest: warning: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* notice_sink() - the library's notices (nn_notice()), as warnings on stderr */
static void notice_sink(const char *msg)
{
	nn_warn("%s", msg);
}

static int usage(FILE *f, int status)
{
	fprintf(f, "Usage: netnest <verb> [options]\n\nVerbs:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, "  %-11s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(f, "\n'netnest <verb> --help' shows a verb's options.\n");
	return status;
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');

	nn_notice_set_sink(notice_sink); /* a nest daemon's fallbacks (up, rootlesskit) */

	/* a symlink named rootlesskit (meson installs one: docs/rootlesskit.md) */
	if (!strcmp(base ? base + 1 : argv[0], "rootlesskit")) {
		struct nn_err err = { 0 };

		return nn_exit_status(cmd_rootlesskit(argc, argv, &err), &err);
	}
	if (argc < 2)
		return usage(stderr, EXIT_USAGE);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))
		return usage(stdout, 0);
	if (!strcmp(argv[1], "--version")) {
		printf("netnest %s\n", NETNEST_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (!strcmp(argv[1], verbs[i].name)) {
			struct nn_err err = { 0 };

			return nn_exit_status(verbs[i].fn(argc - 1, argv + 1, &err), &err);
		}
	}
	fprintf(stderr, "netnest: unknown verb '%s'\n", argv[1]);
	return usage(stderr, EXIT_USAGE);
}
