// SPDX-License-Identifier: GPL-2.0-or-later
/* mem.c - memory an idle process gives back (see mem.h) */
#include <elf.h>
#include <link.h>
#include <malloc.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mem.h"

/* has_textrel() - does @info's object have text relocations (DT_TEXTREL, DF_TEXTREL)? */
static int has_textrel(const struct dl_phdr_info *info)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_DYNAMIC)
			continue;
		for (const ElfW(Dyn) *d = (const ElfW(Dyn) *)(info->dlpi_addr + ph->p_vaddr);
		     d->d_tag != DT_NULL; d++)
			if (d->d_tag == DT_TEXTREL ||
			    (d->d_tag == DT_FLAGS && (d->d_un.d_val & DF_TEXTREL)))
				return 1;
	}
	return 0;
}

static int drop_readonly(struct dl_phdr_info *info, size_t size, void *arg)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), vdso = *(uintptr_t *)arg;

	(void)size;
	/* the vDSO is the kernel's, not a file mapping */
	if (info->dlpi_addr == vdso || has_textrel(info))
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start, end;

		if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W))
			continue;
		start = (info->dlpi_addr + ph->p_vaddr) & ~(page - 1);
		end = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + page - 1) & ~(page - 1);
		madvise((void *)start, end - start, MADV_DONTNEED);
	}
	return 0;
}

void nn_mem_trim(void)
{
	uintptr_t vdso = (uintptr_t)getauxval(AT_SYSINFO_EHDR);

	malloc_trim(0);
	dl_iterate_phdr(drop_readonly, &vdso);
}
