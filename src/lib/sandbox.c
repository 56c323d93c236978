// SPDX-License-Identifier: GPL-2.0-or-later
/* sandbox.c - (to be written) */
