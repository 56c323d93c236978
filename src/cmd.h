/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_CMD_H
#define NN_CMD_H

/*
 * Verbs: each is int cmd_<verb>(int argc, char **argv, struct nn_err *err) with argv[0]
 * the verb name.  Verbs parse, call the library and render.  A verb returns an exit
 * status (0 success, 2 bad usage after nn_usage_error(), or the status of a command it
 * ran), or, for a failed operation, the negative errno with @err filled (nn_fail()):
 * main() then prints "netnest: <err->msg>" once and exits 1, as crun's src/crun.c does
 * (exit codes: util-linux's convention, DESIGN.md section 4).  A verb that goes on after
 * a failure (stop or port rm of several, exec --all), or whose failure has another exit
 * status (run's 126 and 127), prints that failure itself with nn_print_err().
 */

#include "lib/core/err.h"

#define EXIT_FAIL 1
#define EXIT_USAGE 2

/**
 * nn_fail() - a verb's return value for the failure held in @err
 * @err: the verb's error object, filled by the call that failed
 *
 * Prints nothing: main() prints @err once, through nn_exit_status().
 * Return: -@err->code, or -EIO if @err holds no code, so never a success.
 */
int nn_fail(const struct nn_err *err);

/**
 * nn_print_err() - print "netnest: <err->msg>" on stderr now
 * @err: error object
 *
 * For a verb that goes on after a failure, or fails with a status other than 1.
 * Return: EXIT_FAIL.
 */
int nn_print_err(const struct nn_err *err);

/**
 * nn_exit_status() - the process exit status for a verb's return value
 * @r:   what the verb returned
 * @err: the error object the verb was given
 *
 * Return: @r when it is 0 or more; for a negative @r, EXIT_FAIL after printing @err
 * with nn_print_err() (strerror(-@r) if @err holds no message).
 */
int nn_exit_status(int r, struct nn_err *err);

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

int cmd_up(int argc, char **argv, struct nn_err *err);
int cmd_down(int argc, char **argv, struct nn_err *err);
int cmd_info(int argc, char **argv, struct nn_err *err);
int cmd_run(int argc, char **argv, struct nn_err *err);
int cmd_ps(int argc, char **argv, struct nn_err *err);
int cmd_stop(int argc, char **argv, struct nn_err *err);
int cmd_port(int argc, char **argv, struct nn_err *err);
int cmd_exec(int argc, char **argv, struct nn_err *err);
int cmd_ns(int argc, char **argv, struct nn_err *err);
int cmd_ls(int argc, char **argv, struct nn_err *err);
int cmd_topo(int argc, char **argv, struct nn_err *err);
int cmd_peer(int argc, char **argv, struct nn_err *err);
int cmd_attach(int argc, char **argv, struct nn_err *err);
int cmd_rootlesskit(int argc, char **argv, struct nn_err *err);

#endif
