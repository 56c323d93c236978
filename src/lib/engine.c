// SPDX-License-Identifier: GPL-2.0-or-later
/* engine.c - (to be written) */
