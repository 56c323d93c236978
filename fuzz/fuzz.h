/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_FUZZ_H
#define NN_FUZZ_H

/*
 * What the libFuzzer harnesses share: the entry point libFuzzer calls with each input
 * (llvm.org/docs/LibFuzzer.html), the input as a C string, and the check that an error
 * a parser returns is the one its error object holds (err.h).  A broken promise aborts,
 * which libFuzzer reports as a crash with the input that caused it.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_str() - @data as a NUL-terminated string of @size bytes on the heap (a NUL inside
 * ends it early); NULL on ENOMEM */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/* fuzz_check_err() - a failed parser's return is -@err->code and there is a message */
static inline void fuzz_check_err(int r, const struct nn_err *err)
{
	if (r >= 0 || -r != err->code || !err->msg[0])
		abort();
}

#endif
