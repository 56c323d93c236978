// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * api_ports.c - RootlessKit's /v1/ports on the nest's API (see api_ports.h): list, add
 * (with netnest's "sandbox" owner) and remove published ports.  Shapes from RootlessKit
 * pkg/api/openapi.yaml (docs/facts-rootlesskit.md#api).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "api_ports.h"
#include "portfwd.h"
#include "portspec.h"
#include "sandbox.h"
#include "state.h"
#include "util.h"

/* no_driver() - RootlessKit's answer to every port route under --port-driver=none: 400 */
static int no_driver(struct nn_nest *n, struct nn_err *err)
{
	if (n->cfg.port_driver)
		return 0;
	return nn_errx(err, EINVAL, "no PortDriver is available");
}

/*
 * to_sandbox() - is @spec a port to a sandbox: @owner named, or a childIP in the bridge's
 * networks?  Such a child address must be of the family of a host socket that serves one
 * (nn_portspec_check_child(): a named sandbox is dialled in the right family by netnest
 * itself).  Other child addresses, the nest's loopback or a container's behind a bridge
 * of the nest's user, are dialled across families as RootlessKit does (its child dials
 * the proto less the 4/6 suffix: docs/facts-rootlesskit.md#port-specs).
 */
static bool to_sandbox(const struct nn_nest *n, const struct nn_portspec *spec, const char *owner)
{
	struct in_addr a;
	struct in6_addr a6;

	if (owner)
		return true;
	if (!*n->cfg.bridge)
		return false;
	if (inet_pton(AF_INET, spec->child_ip, &a) == 1)
		return nn_cidr_contains(&n->cfg.subnet, a);
	return n->cfg.ipv6 && inet_pton(AF_INET6, spec->child_ip, &a6) == 1 &&
	       nn_cidr6_contains(&n->cfg.subnet6, &a6);
}

static int api_ports_list(struct nn_nest *n, const char *path, json_t *body, json_t **resp,
			  unsigned *status, struct nn_err *err)
{
	(void)path;
	(void)body;
	(void)status;
	if (no_driver(n, err) < 0)
		return -EINVAL;
	*resp = nn_ports_list(n);
	return *resp ? 0 : nn_err(err, ENOMEM, "GET /v1/ports");
}

static int api_ports_add(struct nn_nest *n, const char *path, json_t *body, json_t **resp,
			 unsigned *status, struct nn_err *err)
{
	struct nn_portspec spec;
	const char *owner, *why;
	int id, r;

	(void)path;
	if (no_driver(n, err) < 0)
		return -EINVAL;
	r = nn_portspec_from_json(body, &spec, err);
	if (r < 0)
		return r;
	/* netnest's extension: "sandbox" names the owner; the port goes when it goes */
	owner = json_string_value(nn_json_get_fold(body, "sandbox")); /* as Go would */
	if (to_sandbox(n, &spec, owner) && nn_portspec_check_child(&spec, err) < 0)
		return -EINVAL;
	if (owner && !nn_valid_name(owner, NN_NAME_MAX, &why))
		return nn_errx(err, EINVAL, "sandbox name \"%s\" %s", owner, why);
	/* a sandbox's port is added under the sandbox lock, so it cannot outlive it */
	r = owner ? nn_sandbox_publish(n, owner, &spec, &id, err)
		  : nn_ports_add(n, &spec, NULL, &id, err);
	if (r < 0)
		return r;
	*resp = json_pack("{s:i, s:o}", "id", id, "spec", nn_portspec_to_json(&spec));
	if (*resp && owner)
		json_object_set_new(*resp, "sandbox", json_string(owner));
	*status = 201; /* RootlessKit pkg/api/router: http.StatusCreated */
	return 0;
}

static int api_ports_remove(struct nn_nest *n, const char *path, json_t *body, json_t **resp,
			    unsigned *status, struct nn_err *err)
{
	const char *s = path + strlen("/v1/ports/"); /* the route's {id} (NN_API_ID) */
	unsigned long id;
	int r;

	(void)body;
	(void)resp;
	(void)status;
	if (no_driver(n, err) < 0)
		return -EINVAL;
	if (nn_parse_uint(s, 1, INT32_MAX, &id) < 0)
		return nn_errx(err, EINVAL, "bad port id \"%s\"", s);
	r = nn_sandbox_unpublish(n, (int)id, err);
	/* RootlessKit answers an unknown id with 400, not 404 (pkg/api/router DeletePort) */
	return r == -ENOENT ? -EINVAL : r;
}

/*
 * RootlessKit's routes (pkg/api/router/router.go AddRoutes): GET and POST on /v1/ports
 * alone, DELETE on /v1/ports/{id}; its GetPorts and DeletePort never read the body, its
 * PostPort reads the first JSON value with json.Decoder.Decode.
 */
const struct nn_api_route nn_api_ports_routes[] = {
	{ "GET", "/v1/ports", api_ports_list, NN_API_EXACT, NN_API_NO_BODY },
	{ "POST", "/v1/ports", api_ports_add, NN_API_EXACT, NN_API_JSON_FIRST },
	{ "DELETE", "/v1/ports", api_ports_remove, NN_API_ID, NN_API_NO_BODY },
	{ NULL, NULL, NULL, NN_API_TREE, NN_API_JSON },
};
