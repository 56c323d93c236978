// SPDX-License-Identifier: GPL-2.0-or-later
/* portspec.c - (to be written) */
