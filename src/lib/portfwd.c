// SPDX-License-Identifier: GPL-2.0-or-later
/* portfwd.c - (to be written) */
