/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_IPAM_H
#define NN_IPAM_H

/*
 * Address leases in the on-disk layout of the CNI host-local IPAM plugin
 * (containernetworking/plugins plugins/ipam/host-local, backend/disk/backend.go and
 * allocator/allocator.go; docs/facts-cni.md#host-local-layout and #host-local-allocation),
 * so tools that know host-local can read them:
 *   <dir>/<ip>                 one file per lease, content "<id>\r\n<ifname>", no newline
 *   <dir>/last_reserved_ip.0   the last address handed out (round-robin start)
 *   <dir>/lock                 empty file, flock(2) LOCK_EX around every change
 * where <dir> is $STATE/ipam/<network>.  The range is the whole subnet less the network
 * address, the gateway and the broadcast address (host-local's defaults: first lease .2).
 */

#include <netinet/in.h>
#include <pthread.h>

#include "err.h"
#include "netaddr.h"

#define NN_IPAM_NETWORK "netnest"

struct nn_ipam {
	int dirfd; /* O_DIRECTORY fd of <dir>, owned; -1: not open */
	int lockfd; /* <dir>/lock, owned */
	int lastfd; /* <dir>/last_reserved_ip.0, owned; -1 while there is none */
	pthread_mutex_t lock; /* between threads, around the flock */
	struct nn_cidr subnet;  /* range: network+1 .. broadcast-1 */
	struct in_addr gateway; /* never leased */
};

/**
 * nn_ipam_open() - open (creating if needed) the lease dir of @network under @parent_fd
 * @ipam:      handle to fill; release with nn_ipam_close()
 * @parent_fd: directory fd holding "ipam" (the state dir), not owned
 * @network:   network name, the dir under ipam/ (nn_valid_name() rules)
 * @subnet:    the network to lease from; prefix 1..30
 * @gateway:   address never leased (the bridge)
 * @err:       error object
 *
 * Creates ipam/ and ipam/@network/ with mode 0755, as host-local does, and opens its lock
 * file (created empty) and, once there is one, its last_reserved_ip.0, both kept open.
 * Return: 0, -EINVAL for a bad name or a subnet too small to lease from, or the negative
 * errno of mkdirat(2)/openat(2).
 */
int nn_ipam_open(struct nn_ipam *ipam, int parent_fd, const char *network,
		 const struct nn_cidr *subnet, struct in_addr gateway, struct nn_err *err);

/** nn_ipam_close() - close @ipam (idempotent) */
void nn_ipam_close(struct nn_ipam *ipam);

/**
 * nn_ipam_allocate() - lease the next free address to (@id, @ifname)
 * @ipam:   open lease dir
 * @id:     owner ID (the sandbox name; CNI container ID rules)
 * @ifname: interface name inside the owner ("eth0")
 * @skip:   NULL, or true for a free address not to lease yet (the daemon's: one whose last
 *          owner's veth may still be on the bridge, sandbox.c)
 * @arg:    for @skip
 * @out:    the leased address
 * @err:    error object
 *
 * Under the flock, scans round-robin from the address after last_reserved_ip.0 (or the
 * range start), wrapping once, and claims the first address not skipped whose file can be
 * created with O_EXCL; then records it in last_reserved_ip.0 (allocator.go), written in place as
 * host-local writes it (O_TRUNC, not a new file renamed over: one lease is then a flock, a
 * pread, the lease file and a pwrite).  Safe across threads and processes.  Unlike host-local it does not read every lease to refuse a second lease for
 * the same (@id, @ifname): that would make each lease cost O(leases); the caller keeps IDs
 * unique (the daemon's sandbox names are).
 * Return: 0; -EINVAL for a bad @id or @ifname; -ENOSPC when the range is full ("no IP
 * addresses available in range set: <start>-<end>"); other negative errno.
 */
int nn_ipam_allocate(struct nn_ipam *ipam, const char *id, const char *ifname,
		     bool (*skip)(struct in_addr a, void *arg), void *arg, struct in_addr *out,
		     struct nn_err *err);

/**
 * nn_ipam_release() - delete the lease of @ip if (@id, @ifname) holds it
 * @ipam:   open lease dir
 * @ip:     the leased address
 * @id:     owner ID
 * @ifname: interface name
 * @err:    error object
 *
 * Under the flock, removes the file of @ip when its content is "<id>\r\n<ifname>" (the
 * owner test of host-local ReleaseByID, by address so it costs O(1)); a lease of another
 * owner is left alone.  Releasing nothing is not an error (CNI DEL is idempotent, CNI
 * SPEC.md section 2).
 * Return: 0, or the negative errno of unlinking the lease.
 */
int nn_ipam_release(struct nn_ipam *ipam, struct in_addr ip, const char *id, const char *ifname,
		    struct nn_err *err);

#endif
