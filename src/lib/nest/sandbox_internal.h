/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_SANDBOX_INTERNAL_H
#define NN_SANDBOX_INTERNAL_H

/*
 * Inside the sandbox service (sandbox.c): the parsed POST /netnest/v1/sandboxes request,
 * exported for the unit tests and the fuzzer.  Not for use outside sandbox.c; everyone
 * else has sandbox.h.
 */

#include <stdbool.h>
#include <sys/types.h>

#include <jansson.h>

#include "err.h"

/* A create request, its strings borrowed from the body it was parsed from. */
struct create_req {
	const char *name;
	pid_t pid;
	json_t *publish; /* borrowed, may be NULL */
	json_t *command; /* borrowed, may be NULL */
	bool bypass; /* "bypass": true (bypass.h) */
	int seccomp_fd; /* "seccomp_fd": its listener's fd number in process pid */
};

/**
 * nn_sandbox_parse_create() - check the body of POST /netnest/v1/sandboxes
 * @body: {"name","pid","publish":[Docker -p specs],"command":[argv]} (borrowed; NULL when
 *        the request had none)
 * @req:  filled; its members point into @body and live as long as it
 * @err:  error object: "sandbox request: body must be a JSON object", "sandbox request:
 *        \"name\" must be a string", "sandbox name 'NAME' <why>" (nn_sandbox_name_ok()),
 *        "sandbox NAME: \"pid\" must be a positive integer", "sandbox NAME: \"publish\"
 *        must be an array of at most 64 strings", "sandbox NAME: \"command\"[3] is not a
 *        string", "sandbox NAME: \"bypass\" must be true or false", "sandbox NAME:
 *        \"bypass\" needs \"seccomp_fd\", ...", ...
 *
 * "bypass": true asks for the socket bypass (bypass.h); "seccomp_fd" then names the fd, in
 * process "pid", of a seccomp listener (nn_bypass_install()).
 *
 * Only the shape is checked: the specs in "publish" are parsed when they are published
 * (nn_portspec_parse()), the PID is looked up when its netns is opened.
 * Return: 0 or -EINVAL.
 */
int nn_sandbox_parse_create(json_t *body, struct create_req *req, struct nn_err *err);

#endif
