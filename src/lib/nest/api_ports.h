/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_API_PORTS_H
#define NN_API_PORTS_H

/*
 * RootlessKit's port API on the nest's api.sock (docs/facts-rootlesskit.md#api):
 *   GET    /v1/ports        -> 200 [{"id","spec":{PortSpec},"sandbox"?}...]  (nn_ports_list())
 *   POST   /v1/ports        {PortSpec, "sandbox"?} -> 201 {"id","spec","sandbox"?}
 *   DELETE /v1/ports/{id}   -> 200; 400 "unknown id: <id>", as RootlessKit
 * on these two paths alone (nn_api_dispatch() answers 405 for another method there, 404
 * for /v1/ports/ or /v1/ports/1/2, as gorilla/mux does for RootlessKit).  The POST body is
 * read as Go's json.Decoder.Decode reads it: the first JSON value, the rest ignored.
 * Without a port driver (cfg.port_driver false, RootlessKit --port-driver=none) all three
 * answer 400 "no PortDriver is available", as RootlessKit does.
 * A port with a "sandbox" owner is added under the sandbox lock (nn_sandbox_publish()), so
 * it cannot outlive the sandbox; removing any port also drops it from its owner's record
 * (nn_sandbox_unpublish()).
 */

#include "api.h"

/* The table for nn_api_start() (api.h), ended by an entry with a NULL method. */
extern const struct nn_api_route nn_api_ports_routes[];

#endif
