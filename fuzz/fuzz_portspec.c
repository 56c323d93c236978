// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_portspec.c - Docker -p specs, as `netnest run -p` and `netnest port add` take them
 * (nn_portspec_parse()).  A spec that parses must have both ports of each end of its
 * range in range, a known protocol, survive the trip through RootlessKit's PortSpec JSON
 * unchanged, and conflict with itself.
 */
#include <jansson.h>

#include "fuzz.h"
#include "lib/nest/portspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	struct nn_err err = { 0 };
	struct nn_portspec p, q, last;
	unsigned count;
	uint16_t port;
	json_t *j;
	int r;

	if (!s)
		return 0;
	r = nn_portspec_parse(s, &p, &count, &err);
	if (r < 0) {
		fuzz_check_err(r, &err);
		free(s);
		return 0;
	}
	if (!p.parent_port || !p.child_port || !p.proto[0] || p.child_ip[0])
		abort();
	if (!nn_portspec_conflicts(&p, &p) || !count || p.parent_port + count - 1u > 65535 ||
	    p.child_port + count - 1u > 65535)
		abort();
	last = nn_portspec_nth(&p, count - 1);
	if (!nn_portspec_ranges_conflict(&p, count, &last, 1, &port) ||
	    port != p.parent_port + count - 1u)
		abort();
	j = nn_portspec_to_json(&p);
	if (j) {
		if (nn_portspec_from_json(j, &q, &err) < 0 || strcmp(p.proto, q.proto) ||
		    strcmp(p.parent_ip, q.parent_ip) || p.parent_port != q.parent_port ||
		    strcmp(p.child_ip, q.child_ip) || p.child_port != q.child_port)
			abort();
		json_decref(j);
	}
	free(s);
	return 0;
}
