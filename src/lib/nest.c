// SPDX-License-Identifier: GPL-2.0-or-later
/* nest.c - (to be written) */
