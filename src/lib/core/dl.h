/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_DL_H
#define NN_DL_H

/*
 * Libraries loaded when first needed (dlopen(3)) instead of at exec: libslirp (with glib),
 * libevent (the API server) and libnftnl are needed only by the nest daemon and its
 * engine, yet linking them made every `netnest` command pay for loading them (libnftnl
 * alone: 206 k -> 362 k instructions for `netnest --version`).
 */

#include <stddef.h>

#include "err.h"

/**
 * nn_dl_load() - open @lib and look up @n symbols
 * @lib:    soname ("libslirp.so.0")
 * @names:  symbol names
 * @fns:    filled with the addresses, in the order of @names
 * @n:      number of symbols
 * @handle: the dlopen(3) handle, for dlclose(3) by the caller (may be NULL: kept open)
 * @err:    error object, with dlerror(3)'s text
 *
 * Return: 0; -ELIBACC if the library cannot be loaded, -ELIBBAD if a symbol is missing
 * (distinct from -ENOENT, which callers read as "no such file or socket").
 */
int nn_dl_load(const char *lib, const char *const *names, void **fns, size_t n, void **handle,
	       struct nn_err *err);

#endif
