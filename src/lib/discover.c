// SPDX-License-Identifier: GPL-2.0-or-later
/* discover.c - (to be written) */
