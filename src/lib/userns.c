// SPDX-License-Identifier: GPL-2.0-or-later
/* userns.c - (to be written) */
