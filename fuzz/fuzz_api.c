// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_api.c - requests to the nest's API as the daemon answers them (nn_api_dispatch()),
 * on every route the daemon serves (GET /v1/info, /v1/ports, /netnest/v1/sandboxes), for
 * a nest that runs no service: routing, the status of each error, the JSON body and each
 * handler's checks of it, without a socket or libevent.
 *
 * Input: "METHOD PATH\nBODY" (the first line split at its first space; no newline: no
 * body).  Every answer must be a known status with a JSON body, an error one holding a
 * "message" string.
 */
#include <jansson.h>

#include "fuzz.h"
#include "lib/nest/api.h"
#include "lib/nest/api_ports.h"
#include "lib/nest/sandbox.h"

static struct nn_api_router router;
static struct nn_services no_services;
static struct nn_nest nest = { .state_fd = -1, .host_netns = -1, .nest_netns = -1,
			       .svc = &no_services };

static void setup(void)
{
	static const struct nn_api_route *const tables[] = {
		nn_api_ports_routes, nn_sandbox_routes, NULL,
	};

	if (router.nroutes)
		return;
	strcpy(nest.cfg.name, "fuzz");
	strcpy(nest.cfg.state_dir, "/nonexistent/netnest-fuzz");
	if (nn_api_router_init(&router, tables, NULL) < 0)
		abort();
}

static void check(const struct nn_api_answer *a)
{
	switch (a->status) {
	case 200: case 201:
		break;
	case 400: case 404: case 405: case 413: case 500:
		if (!json_is_string(json_object_get(a->body, "message")))
			abort();
		if ((a->status == 405) != (a->allow[0] != '\0'))
			abort();
		break;
	default:
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t line = nl ? (size_t)(nl - data) : size;
	char *head = fuzz_str(data, line), *path;
	struct nn_api_answer a;

	setup();
	if (!head)
		return 0;
	path = strchr(head, ' ');
	if (path)
		*path++ = '\0';
	nn_api_dispatch(&router, &nest, head, path ? path : "", nl ? (const char *)nl + 1 : NULL,
			nl ? size - line - 1 : 0, &a);
	check(&a);
	json_decref(a.body);
	free(head);
	return 0;
}
