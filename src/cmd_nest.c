// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_nest.c - (to be written) */
#include "cmd.h"
#include <stdio.h>

int cmd_up(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "netnest: %s: not built yet\n", argv[0]);
	return EXIT_FAIL;
}

int cmd_down(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "netnest: %s: not built yet\n", argv[0]);
	return EXIT_FAIL;
}

int cmd_info(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "netnest: %s: not built yet\n", argv[0]);
	return EXIT_FAIL;
}
