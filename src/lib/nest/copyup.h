/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_COPYUP_H
#define NN_COPYUP_H

/*
 * Mount work of RootlessKit's child in its own mount namespace (child.h): copy-up in
 * tmpfs+symlink mode (RootlessKit pkg/copyup/tmpfssymlink), a fresh sysfs that keeps the
 * cgroup mounts (pkg/child/child.go mountSysfs) and /proc for a new PID namespace
 * (mountProcfs).  Each uses the new mount API (open_tree(2) OPEN_TREE_CLONE, move_mount(2))
 * where RootlessKit bind-mounts to a temporary dir in /tmp and MS_MOVEs it: the same
 * mounts result, and nothing is made in the host's /tmp.
 */

#include "err.h"

/**
 * nn_copyup() - make @dir a writable tmpfs whose entries are symlinks to the original
 * @dir: absolute, clean directory (not /tmp, not /: the caller refuses those)
 * @ro:  filled with the name of the original's mount point inside @dir (".roNNNN",
 *       decimal digits as RootlessKit's os.MkdirTemp(dir, ".ro")), 32 bytes
 * @err: error object naming @dir
 *
 * 1. clones the mount tree at @dir (open_tree(2) OPEN_TREE_CLONE|AT_RECURSIVE, so its
 *    submounts come along, like RootlessKit's MS_BIND|MS_REC);
 * 2. mounts a fresh tmpfs on @dir (source "none", mode 1777, owned by the mounter);
 * 3. makes @dir/.roNNNN and moves the clone there (move_mount(2));
 * 4. for each entry x of the original: a symlink @dir/x with the same target when x is a
 *    symlink (/etc/mtab -> /proc/mounts), else a symlink to the relative ".roNNNN/x".
 * Nothing is copied: an existing path resolves to the original, a new one lands in the
 * tmpfs, and rm of an entry removes only its symlink.
 * Return: 0; -ENOENT or -ENOTDIR when @dir is missing or not a directory; the negative
 * errno of the mount calls, mkdir(2) or symlink(2).
 */
int nn_copyup(const char *dir, char ro[32], struct nn_err *err);

/**
 * nn_sysfs_fresh() - mount a new sysfs on /sys (it shows the caller's netns: sysfs(5))
 * and keep what was mounted on /sys/fs/cgroup, moved under the new one
 * @refused: if not NULL, set to 0, or to the errno of the refused mount when the kernel
 *           mounts none (then /sys is left as it was)
 * @err:     error object
 *
 * The caller must be in the netns to show, with CAP_SYS_ADMIN in the user namespace that
 * owns it (fs/sysfs/mount.c sysfs_init_fs_context: kobj_ns_current_may_mount) and in the
 * one that owns its mount namespace; in a user namespace the kernel also wants a sysfs
 * already fully visible there (fs/namespace.c mount_too_revealing), which a /sys with a
 * locked mount over a directory that is not empty (a container's masked /sys/firmware)
 * is not: EPERM.
 * As RootlessKit: a read-only sysfs when a read-write one is refused (a read-only /sys);
 * when neither can be mounted, /sys is left as it was and 0 is returned (RootlessKit only
 * warns).
 * Return: 0, or the negative errno of open_tree(2)/move_mount(2) for /sys/fs/cgroup.
 */
int nn_sysfs_fresh(int *refused, struct nn_err *err);

/**
 * nn_procfs_fresh() - mount a new proc on /proc, for the caller's PID namespace (read-only
 * when read-write is refused, as RootlessKit)
 * @err: error object
 * Return: 0, or the negative errno of mount(2).
 */
int nn_procfs_fresh(struct nn_err *err);

#endif
