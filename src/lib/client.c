// SPDX-License-Identifier: GPL-2.0-or-later
/* client.c - (to be written) */
