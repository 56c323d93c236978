// SPDX-License-Identifier: GPL-2.0-or-later
/* ns.c - (to be written) */
