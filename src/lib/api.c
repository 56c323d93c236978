// SPDX-License-Identifier: GPL-2.0-or-later
/* api.c - (to be written) */
