/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_MEM_H
#define NN_MEM_H

/*
 * The memory of long-lived processes that sit idle (the nest daemon, the engine): what they
 * touched while starting, and do not need while they wait, is given back.
 */

/**
 * nn_mem_trim() - give back what an idle process mapped while it started
 *
 * Drops the page-table entries of the read-only segments (code, constants, symbol tables)
 * of the program and of every library loaded (dl_iterate_phdr(3): each PT_LOAD without
 * PF_W) with madvise(MADV_DONTNEED): for a private file mapping the next access maps the
 * page again from the file, which is the page cache (madvise(2)), and these segments are
 * never written, so nothing is lost (RELRO lies in a PF_W segment and is left alone; an
 * object with text relocations, DT_TEXTREL, is skipped: its code was written).  Start-up
 * runs code an idle loop never runs again (netlink, nftables, libslirp's set-up) and the kernel
 * maps 16 pages around each page a fault asks for (mm/memory.c do_fault_around(),
 * fault_around_bytes), so most of libc stays counted in RSS; what the process runs
 * afterwards comes back on its first use, at the cost of a minor fault.  Then returns the
 * free heap to the kernel (malloc_trim(3)).  Any thread may call it; never fails (a
 * segment madvise() refuses is left as it was).
 */
void nn_mem_trim(void);

#endif
