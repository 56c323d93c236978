// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_portspec_json.c - RootlessKit PortSpec objects, as POST /v1/ports takes them
 * (nn_portspec_from_json()).  Whatever is accepted must print back (nn_portspec_to_json())
 * and read again as the same port.
 */
#include <jansson.h>

#include "fuzz.h"
#include "lib/nest/portspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nn_err err = { 0 };
	struct nn_portspec p, q;
	json_t *j = json_loadb((const char *)data, size, 0, NULL), *k;
	int r;

	if (!j)
		return 0;
	r = nn_portspec_from_json(j, &p, &err);
	json_decref(j);
	if (r < 0) {
		fuzz_check_err(r, &err);
		return 0;
	}
	if (!p.parent_port || !p.child_port || !p.proto[0])
		abort();
	k = nn_portspec_to_json(&p);
	if (k) {
		if (nn_portspec_from_json(k, &q, &err) < 0 || memcmp(&p, &q, sizeof(p)))
			abort();
		json_decref(k);
	}
	return 0;
}
