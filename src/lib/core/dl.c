// SPDX-License-Identifier: GPL-2.0-or-later
/* dl.c - libraries loaded when first needed (see dl.h) */
#include <dlfcn.h>
#include <errno.h>

#include "dl.h"

int nn_dl_load(const char *lib, const char *const *names, void **fns, size_t n, void **handle,
	       struct nn_err *err)
{
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);

	if (!h)
		return nn_errx(err, ELIBACC, "load %s: %s", lib, dlerror());
	for (size_t i = 0; i < n; i++) {
		fns[i] = dlsym(h, names[i]);
		if (!fns[i]) {
			dlclose(h);
			return nn_errx(err, ELIBBAD, "load %s: no symbol %s", lib, names[i]);
		}
	}
	if (handle)
		*handle = h;
	return 0;
}
