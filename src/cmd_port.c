// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_port.c - (to be written) */
#include "cmd.h"
#include <stdio.h>

int cmd_port(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "netnest: %s: not built yet\n", argv[0]);
	return EXIT_FAIL;
}
