// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_sandbox_req.c - bodies of POST /netnest/v1/sandboxes (nn_sandbox_parse_create()),
 * which the API fuzzer cannot reach: with no sandbox service the handler answers before
 * it parses.  What is accepted has a name nn_sandbox_name_ok() allows, a PID in range,
 * and string arrays where arrays are given.
 */
#include <jansson.h>

#include "fuzz.h"
#include "lib/nest/sandbox.h"
#include "lib/nest/sandbox_internal.h"

static void check_strings(const json_t *a)
{
	size_t i;
	json_t *v;

	if (!a)
		return;
	if (!json_is_array(a))
		abort();
	json_array_foreach(a, i, v)
		if (!json_is_string(v))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *body = json_loadb((const char *)data, size, 0, NULL);
	struct nn_err err = { 0 };
	struct create_req req;
	const char *why;
	int r;

	r = nn_sandbox_parse_create(body, &req, &err);
	if (r < 0) {
		fuzz_check_err(r, &err);
	} else {
		if (!req.name || !nn_sandbox_name_ok(req.name, &why) || req.pid < 1)
			abort();
		check_strings(req.publish);
		if (req.publish && json_array_size(req.publish) > NN_SANDBOX_PUBLISH_MAX)
			abort();
		check_strings(req.command);
	}
	json_decref(body);
	return 0;
}
