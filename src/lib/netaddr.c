// SPDX-License-Identifier: GPL-2.0-or-later
/* netaddr.c - (to be written) */
