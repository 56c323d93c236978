/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_CMD_H
#define NN_CMD_H

/*
 * Verbs: each is int cmd_<verb>(int argc, char **argv) with argv[0] the verb name,
 * returning the exit status: 0 success, 1 a failed operation, 2 bad usage
 * (util-linux's convention, DESIGN.md section 4).  Verbs parse, call the library,
 * render, and print errors once through nn_fail()/nn_usage_error().
 */

#include "lib/core/err.h"

#define EXIT_FAIL 1
#define EXIT_USAGE 2

/** nn_fail() - print "netnest: <err->msg>" on stderr; return EXIT_FAIL */
int nn_fail(const struct nn_err *err);

/** nn_usage_error() - print "netnest <verb>: <message>" and a --help hint; return EXIT_USAGE */
int nn_usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * nn_opt_error() - getopt_long()'s complaint in netnest's words, once; return EXIT_USAGE
 * @argv: the verb's argv (argv[0] the verb)
 * @c:    what getopt_long() returned: ':' for a missing argument, '?' otherwise; the
 *        optstring must start with ':' (after any '+') so getopt prints nothing itself
 */
int nn_opt_error(char **argv, int c);

/**
 * nn_nest_arg() - check a --nest NAME as given on the command line
 * @verb: argv[0], for the message
 * @name: the name (nn_valid_name(): no '/', not '..', at most NN_NAME_MAX bytes)
 * Return: 0, or EXIT_USAGE after printing "netnest VERB: nest name 'NAME' <why>".
 */
int nn_nest_arg(const char *verb, const char *name);

/** nn_warn() - print "netnest: warning: <message>" on stderr */
void nn_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_port(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_ns(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_topo(int argc, char **argv);
int cmd_peer(int argc, char **argv);
int cmd_attach(int argc, char **argv);

#endif
