// SPDX-License-Identifier: GPL-2.0-or-later
/* ipam.c - (to be written) */
