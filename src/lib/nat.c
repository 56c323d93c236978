// SPDX-License-Identifier: GPL-2.0-or-later
/* nat.c - (to be written) */
