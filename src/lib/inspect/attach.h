/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_ATTACH_H
#define NN_ATTACH_H

/*
 * Making `ip netns` see a netns under a name (docs/facts-netns.md#ip-netns-names): a bind
 * mount of the nsfs file onto an empty file in the run dir, as `ip netns attach NAME PID`
 * does (pins the netns), or a symlink to /proc/PID/ns/net,
 * the seed's method (does not pin; goes stale or follows a reused PID).
 */

#include <limits.h>

#include "err.h"

/**
 * nn_attach_dir() - the run dir names go in: /run/netns as root (iproute2 NETNS_RUN_DIR),
 * $XDG_RUNTIME_DIR/netns rootless (not read by `ip netns`, which knows only /run/netns)
 * @buf: PATH_MAX bytes
 * @err: error object
 * Return: 0, -EINVAL when rootless without $XDG_RUNTIME_DIR.
 */
int nn_attach_dir(char buf[PATH_MAX], struct nn_err *err);

/**
 * nn_attach_check_name() - is @name one a netns may be given?
 * @name: the name (nn_valid_name(): not empty, no '/', not "." or "..", at most NAME_MAX)
 * @err:  error object
 * Return: 0, or -EINVAL with "netns name '@name' <why>".
 */
int nn_attach_check_name(const char *name, struct nn_err *err);

/**
 * nn_attach_bind() - bind-mount the netns @netfd onto @dir/@name
 * @dir:   run dir (nn_attach_dir())
 * @name:  the name; checked with nn_valid_name()
 * @netfd: pinned net nsfs fd (not owned)
 * @err:   error object
 *
 * As iproute2 ip/ipnetns.c netns_add/create_netns_dir: mkdir @dir, flock(2) it, make it a
 * shared mount (MS_SHARED|MS_REC; bound onto itself first when it is not a mount point, so
 * binds and unmounts propagate to other mount namespaces), create an empty file O_EXCL and
 * bind /proc/self/fd/@netfd onto it.  The file is removed again if the bind fails.
 * Needs CAP_SYS_ADMIN in the initial user namespace (mount(2)).
 * Return: 0, -EEXIST (name taken), -EINVAL (bad @name), -EPERM, other negative errno.
 */
int nn_attach_bind(const char *dir, const char *name, int netfd, struct nn_err *err);

/**
 * nn_attach_symlink() - make @dir/@name a symlink to @target (/proc/PID/ns/net)
 * @dir:    run dir (created 0755 if missing)
 * @name:   the name
 * @target: nsfs path the link points at (string, not checked again; a relative one is
 *          made absolute from the current directory)
 * @err:    error object
 * Return: 0, -EEXIST, -EINVAL (bad @name), other negative errno of mkdir(2)/symlink(2).
 */
int nn_attach_symlink(const char *dir, const char *name, const char *target,
		      struct nn_err *err);

/**
 * nn_attach_delete() - remove @dir/@name: umount2(MNT_DETACH) if it is a mount, then unlink
 * (ip netns delete)
 * @dir:  run dir (nn_attach_dir())
 * @name: the name; any name nn_netns_name_ok() accepts
 * @err:  error object naming @name or the path
 * Return: 0, -ENOENT (no such name), -EINVAL (a name ip netns cannot have), other
 * negative errno of umount2(2)/unlink(2).
 */
int nn_attach_delete(const char *dir, const char *name, struct nn_err *err);

#endif
