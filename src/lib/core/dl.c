// SPDX-License-Identifier: GPL-2.0-or-later
/* dl.c - libraries loaded when first needed (see dl.h) */
#include <dlfcn.h>
#include <errno.h>

#include "dl.h"

int nn_dl_load(const char *lib, const char *const *names, void **fns, size_t n, void **handle,
	       struct nn_err *err)
{
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		nn_err(err, 0, "load %s: %s", lib, dlerror());
		return -ENOENT;
	}
	for (size_t i = 0; i < n; i++) {
		fns[i] = dlsym(h, names[i]);
		if (!fns[i]) {
			nn_err(err, 0, "load %s: no symbol %s", lib, names[i]);
			dlclose(h);
			return -ENOENT;
		}
	}
	if (handle)
		*handle = h;
	return 0;
}
