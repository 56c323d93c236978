// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_exec.c - (to be written) */
#include "cmd.h"
#include <stdio.h>

int cmd_exec(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "netnest: %s: not built yet\n", argv[0]);
	return EXIT_FAIL;
}
