// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_proc_stat.c - the text of /proc/PID/stat (nn_proc_stat_parse()), handed over as
 * libFuzzer gives it: exactly @size bytes, no NUL after them, so a read past the end is
 * an ASan report.  What parses has a PID, a comm that fits and ends before any NUL cut.
 */
#include <errno.h>

#include "fuzz.h"
#include "lib/core/proc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nn_proc_stat st;
	int r = nn_proc_stat_parse((const char *)data, size, &st);

	if (r < 0) {
		if (r != -EINVAL)
			abort();
		return 0;
	}
	if (st.pid <= 0 || st.ppid < 0 || strnlen(st.comm, sizeof(st.comm)) == sizeof(st.comm))
		abort();
	return 0;
}
