// SPDX-License-Identifier: GPL-2.0-or-later
/* rtnl.c - (to be written) */
