/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_BYPASS_H
#define NN_BYPASS_H

/*
 * The socket bypass (`netnest run --bypass`, docs/bypass.md), in the manner of
 * rootless-containers/bypass4netns: the sandbox runs under a seccomp filter whose connect(2),
 * bind(2), sendto(2) with an address and sendmsg(2) are reported to the nest daemon through
 * seccomp user notification (seccomp_unotify(2); kernel
 * Documentation/userspace-api/seccomp_filter.rst, "Userspace Notification").  The daemon lives
 * in the host netns; for a TCP or UDP socket going outside the nest it makes the socket there
 * and puts it in place of the sandbox's descriptor (SECCOMP_IOCTL_NOTIF_ADDFD with
 * SECCOMP_ADDFD_FLAG_SETFD, kernel 5.9), so the bytes never cross the engine.
 *
 * Client side: nn_bypass_install(), right before exec of the sandbox's command.
 * Daemon side: nn_bypass_start() takes the filter's listener from the sandbox process
 * (pidfd_getfd(2), kernel 5.6) and serves it on a thread of its own until the sandbox's last
 * process exits or nn_bypass_stop().
 */

#include <stdbool.h>
#include <sys/types.h>

#include <jansson.h>

#include "err.h"
#include "nest.h"
#include "portspec.h"

#define NN_BYPASS_PORTS_MAX 64 /* the published ports one bypassed sandbox listens on */

struct nn_bypass;

/**
 * nn_bypass_install() - put the calling process under the bypass filter (client side)
 * @err: error object
 *
 * Loads a libseccomp filter that answers connect(2), bind(2), sendmsg(2) and sendto(2) with a
 * non-NULL address with SCMP_ACT_NOTIFY (SECCOMP_RET_USER_NOTIF) and allows everything else,
 * with SECCOMP_FILTER_FLAG_NEW_LISTENER (seccomp_notify_fd(3)).  The caller must hold
 * CAP_SYS_ADMIN in its user namespace (it is the nest's root after nn_sandbox_enter()), so
 * no_new_privs is left off and setuid programs in the sandbox keep working (seccomp(2)).
 * Syscalls of a foreign ABI (i386 on x86-64) are allowed, not reported: their sockets take
 * the normal path.  Until a supervisor reads the listener, each reported syscall waits.
 * Return: the listener fd (O_CLOEXEC, kernel/seccomp.c init_listener), or negative errno:
 * -ENOSYS/-EOPNOTSUPP when the kernel or libseccomp lacks user notification (kernel 5.0,
 * libseccomp 2.5), -EACCES without CAP_SYS_ADMIN, -ENOMEM.
 */
int nn_bypass_install(struct nn_err *err);

/**
 * nn_bypass_parse() - the bypass members of a POST /netnest/v1/sandboxes body
 * @body:       the request (a JSON object; borrowed)
 * @bypass:     set from "bypass" (absent: false)
 * @seccomp_fd: set from "seccomp_fd" when @bypass: the listener's fd number in the process
 * @err:        error object: "\"bypass\" must be true or false", "\"bypass\" needs
 *              \"seccomp_fd\": the fd of the process's seccomp listener (netnest run
 *              --bypass installs one)"
 * Return: 0 or -EINVAL.
 */
int nn_bypass_parse(json_t *body, bool *bypass, int *seccomp_fd, struct nn_err *err);

/**
 * nn_bypass_start() - serve the bypass of one sandbox (daemon side)
 * @n:        the live nest; its cfg must outlive the bypass
 * @name:     the sandbox's name, for errors (copied)
 * @pidfd:    pidfd of the sandbox process (borrowed)
 * @netns:    inode of the sandbox's netns: only sockets that live there are bypassed, so a
 *            netns the sandbox makes inside itself (a container in it: bypass4netns PR #70)
 *            keeps its own network
 * @listener: the listener's fd number in that process (nn_bypass_install())
 * @publish:  the sandbox's -p specs (JSON strings, borrowed, may be NULL): those
 *            nn_bypass_takes() are listened on by the bypass (copied)
 * @out:      set to the new bypass, owned by the caller (nn_bypass_stop())
 * @err:      error object
 *
 * Copies the listener out of the process with pidfd_getfd(2) (which needs ptrace access to
 * it: the daemon is the root of the sandbox's user namespace) and checks that it is one
 * ("anon_inode:seccomp notify", kernel/seccomp.c), then starts the serving thread.
 * Return: 0; -EBADF when @listener is not a seccomp listener of that process; -ENOSYS when
 * the kernel has no pidfd_getfd(2); -EADDRINUSE (and the other errors of bind(2)) when the
 * host side of a published port cannot be bound (tried and let go, so a port in use is
 * refused now rather than at the sandbox's bind(2)); the errors of nn_portspec_parse(),
 * pthread_create(3) and eventfd(2).
 */
int nn_bypass_start(struct nn_nest *n, const char *name, int pidfd, ino_t netns, int listener,
		    json_t *publish, struct nn_bypass **out, struct nn_err *err);

/**
 * nn_bypass_stop() - end the serving thread and free @bp
 * @bp: the bypass (NULL: nothing)
 *
 * The daemon's copy of the listener is closed; reported syscalls still waiting fail with
 * ENOSYS (seccomp_unotify(2)), and a sandbox still running after this runs without bypass.
 * The host sockets the bypass made belong to the sandbox's processes, never to the daemon.
 */
void nn_bypass_stop(struct nn_bypass *bp);

/**
 * nn_bypass_json() - the "bypass" member of a sandbox's API record
 * @bp:  the bypass, or NULL for a sandbox without it (gives JSON null)
 * @pid: the sandbox process, whose netns is scanned for the host sockets still open
 *
 * {"sockets": host sockets put in place so far, "open": how many of them are still open
 * in a process of the sandbox (/proc/PID/fd, see proc(5)), "ports": ["8080:80/tcp"...]
 * (the -p ports the bypass takes), "listening": those of them a host socket open in the
 * sandbox is bound to, "loopback": those the sandbox bound on its own loopback instead
 * (nothing listens on the host)}.  A port in neither has no socket bound to it now.
 * Return: a new reference, NULL only on ENOMEM.
 */
json_t *nn_bypass_json(struct nn_bypass *bp, pid_t pid);

/**
 * nn_bypass_takes() - does a bypassed sandbox listen on @spec in the host netns itself?
 * @spec: a parsed -p spec
 *
 * TCP ports are listened on by the bypass: the port driver does not publish them.  UDP
 * ports stay with the port driver (docs/bypass.md#published-ports).
 * Return: true for tcp, tcp4 and tcp6.
 */
bool nn_bypass_takes(const struct nn_portspec *spec);

#endif
