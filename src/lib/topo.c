// SPDX-License-Identifier: GPL-2.0-or-later
/* topo.c - (to be written) */
