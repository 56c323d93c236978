// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_topo.c - (to be written) */
#include "cmd.h"
#include <stdio.h>

int cmd_topo(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "netnest: %s: not built yet\n", argv[0]);
	return EXIT_FAIL;
}

int cmd_peer(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "netnest: %s: not built yet\n", argv[0]);
	return EXIT_FAIL;
}
