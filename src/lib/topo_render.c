// SPDX-License-Identifier: GPL-2.0-or-later
/* topo_render.c - (to be written) */
