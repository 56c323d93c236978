// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_mountinfo.c - the text of /proc/PID/mountinfo, line by line as the discovery reads
 * it (dsc_mountinfo_nsfs(), dsc_unescape_octal()).  An nsfs mount found has a namespace
 * type, and a mount point that points into its line and is no longer than it was.
 */
#include "fuzz.h"
#include "lib/inspect/discover_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_str(data, size), *line, *save = NULL, *copy;
	size_t before;

	if (!buf)
		return 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *end = line + strlen(line);
		struct dsc_nsfs_mount m;

		/* the unescaping alone, on the whole line: it never grows */
		copy = strdup(line);
		if (copy) {
			before = strlen(copy);
			dsc_unescape_octal(copy);
			if (strlen(copy) > before)
				abort();
			free(copy);
		}
		if (dsc_mountinfo_nsfs(line, &m) == 1 &&
		    (m.type < 0 || m.type >= NN_NS_NTYPES || m.mountpoint < line ||
		     m.mountpoint + strlen(m.mountpoint) > end))
			abort();
	}
	free(buf);
	return 0;
}
