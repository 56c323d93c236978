// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_http_reply.c - an API reply as the client reads it off api.sock
 * (nn_client_parse_reply()), exactly @size bytes with no NUL after them, so a read past
 * the end is an ASan report.  What parses has a status of 100-599 and a body inside the
 * input.
 */
#include <errno.h>

#include "fuzz.h"
#include "lib/nest/client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *body;
	unsigned status;
	size_t blen;
	bool framed;
	int r = nn_client_parse_reply(buf, size, &status, &body, &blen, &framed);

	if (r < 0) {
		if (r != -EINVAL)
			abort();
		return 0;
	}
	if (status < 100 || status > 599 || body < buf || body + blen > buf + size ||
	    (framed && status < 200))
		abort();
	return 0;
}
