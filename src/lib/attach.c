// SPDX-License-Identifier: GPL-2.0-or-later
/* attach.c - (to be written) */
