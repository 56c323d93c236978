// SPDX-License-Identifier: GPL-2.0-or-later
/* enter.c - (to be written) */
