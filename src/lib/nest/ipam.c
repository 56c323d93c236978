// SPDX-License-Identifier: GPL-2.0-or-later
/* ipam.c - host-local style address leases on disk (see ipam.h) */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipam.h"
#include "state.h"
#include "util.h"

#define LAST_RESERVED "last_reserved_ip.0" /* host-local: last_reserved_ip.<range set index> */

/* The lease range as host offsets into the subnet: [1, size-2], gateway excluded later. */
static uint32_t range_size(const struct nn_ipam *ipam)
{
	return (uint32_t)(1ULL << (32 - ipam->subnet.prefix));
}

int nn_ipam_open(struct nn_ipam *ipam, int parent_fd, const char *network,
		 const struct nn_cidr *subnet, struct in_addr gateway, struct nn_err *err)
{
	_cleanup_close_ int top = -1, dir = -1;
	const char *why;

	ipam->dirfd = ipam->lockfd = ipam->lastfd = -1;
	if (!nn_valid_name(network, NN_NAME_MAX, &why))
		return nn_errx(err, EINVAL, "ipam network name '%s' %s", network, why);
	if (subnet->prefix < 1 || subnet->prefix > 30)
		return nn_errx(err, EINVAL, "network %s/%u is too small to allocate from",
			       inet_ntoa(subnet->addr), subnet->prefix);
	if (mkdirat(parent_fd, "ipam", 0755) < 0 && errno != EEXIST)
		return nn_err(err, errno, "create lease dir ipam");
	top = openat(parent_fd, "ipam", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0)
		return nn_err(err, errno, "open lease dir ipam");
	if (mkdirat(top, network, 0755) < 0 && errno != EEXIST)
		return nn_err(err, errno, "create lease dir ipam/%s", network);
	dir = openat(top, network, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return nn_err(err, errno, "open lease dir ipam/%s", network);
	ipam->lockfd = openat(dir, "lock", O_RDONLY | O_CREAT | O_CLOEXEC, 0750);
	if (ipam->lockfd < 0)
		return nn_err(err, errno, "open the lease lock ipam/%s/lock", network);
	pthread_mutex_init(&ipam->lock, NULL);
	ipam->dirfd = steal_fd(&dir);
	ipam->subnet = *subnet;
	ipam->subnet.addr = nn_cidr_network(subnet);
	ipam->gateway = gateway;
	return 0;
}

void nn_ipam_close(struct nn_ipam *ipam)
{
	if (ipam->dirfd < 0)
		return;
	close(ipam->dirfd);
	close(ipam->lockfd);
	if (ipam->lastfd >= 0)
		close(ipam->lastfd);
	pthread_mutex_destroy(&ipam->lock);
	ipam->dirfd = ipam->lockfd = ipam->lastfd = -1;
}

/*
 * The lease dir's lock: the mutex between the daemon's threads, which share one open
 * <dir>/lock (a flock(2) is the open file's, so it does not exclude them), and flock(2)
 * LOCK_EX between processes (host-local takes the same lock: disk/lock.go).
 */
static int ipam_lock(struct nn_ipam *ipam, struct nn_err *err)
{
	char net[INET_ADDRSTRLEN];

	pthread_mutex_lock(&ipam->lock);
	while (flock(ipam->lockfd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		pthread_mutex_unlock(&ipam->lock);
		inet_ntop(AF_INET, &ipam->subnet.addr, net, sizeof(net));
		return nn_err(err, errno, "lock the lease dir of network %s/%u", net,
			      ipam->subnet.prefix);
	}
	return 0;
}

static void ipam_unlock(struct nn_ipam *ipam)
{
	flock(ipam->lockfd, LOCK_UN);
	pthread_mutex_unlock(&ipam->lock);
}

/*
 * last_reserved_ip.0, kept open: written in place as host-local writes it (os.WriteFile:
 * O_TRUNC, same inode), so the open file stays the one in the dir; reopened when something
 * replaced it (another inode under the name) or removed it.  -1 while there is none.
 */
static int last_fd(struct nn_ipam *ipam)
{
	struct stat named, open;

	if (ipam->lastfd >= 0 && fstatat(ipam->dirfd, LAST_RESERVED, &named, 0) == 0 &&
	    fstat(ipam->lastfd, &open) == 0 && named.st_ino == open.st_ino)
		return ipam->lastfd;
	if (ipam->lastfd >= 0)
		close(ipam->lastfd);
	ipam->lastfd = openat(ipam->dirfd, LAST_RESERVED, O_RDWR | O_CLOEXEC);
	return ipam->lastfd;
}

/* The host offset (from the network address) to start the scan after; the lock is held. */
static uint32_t last_reserved(struct nn_ipam *ipam)
{
	char s[INET_ADDRSTRLEN + 8];
	int fd = last_fd(ipam);
	struct in_addr a;
	ssize_t n;

	n = fd < 0 ? -1 : pread(fd, s, sizeof(s) - 1, 0);
	if (n <= 0)
		return 0;
	s[n] = '\0';
	s[strcspn(s, " \t\r\n")] = '\0';
	if (inet_pton(AF_INET, s, &a) != 1 || !nn_cidr_contains(&ipam->subnet, a))
		return 0;
	return ntohl(a.s_addr) - ntohl(ipam->subnet.addr.s_addr);
}

/* last_reserved_ip.0 := @ip, in place (last_fd()); the lock is held. */
static int write_last_reserved(struct nn_ipam *ipam, const char *ip, struct nn_err *err)
{
	size_t len = strlen(ip);
	ssize_t n;

	if (ipam->lastfd < 0)
		ipam->lastfd =
			openat(ipam->dirfd, LAST_RESERVED, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (ipam->lastfd < 0)
		return nn_err(err, errno, "open lease file %s", LAST_RESERVED);
	n = pwrite(ipam->lastfd, ip, len, 0);
	if (n != (ssize_t)len)
		return nn_err(err, n < 0 ? errno : EIO, "write %s to %s", ip, LAST_RESERVED);
	if (ftruncate(ipam->lastfd, (off_t)len) < 0)
		return nn_err(err, errno, "write %s to %s", ip, LAST_RESERVED);
	return 0;
}

int nn_ipam_allocate(struct nn_ipam *ipam, const char *id, const char *ifname,
		     bool (*skip)(struct in_addr a, void *arg), void *arg, struct in_addr *out,
		     struct nn_err *err)
{
	uint32_t size = range_size(ipam), last, off;
	char owner[NN_NAME_MAX + 32], ip[INET_ADDRSTRLEN], first[INET_ADDRSTRLEN],
		end[INET_ADDRSTRLEN];
	const char *why;
	struct in_addr a;
	int r;

	if (!nn_valid_name(id, NN_NAME_MAX, &why))
		return nn_errx(err, EINVAL, "lease owner '%s' %s", id, why);
	if (!nn_valid_name(ifname, IFNAMSIZ - 1, &why))
		return nn_errx(err, EINVAL, "lease interface name '%s' %s", ifname, why);
	snprintf(owner, sizeof(owner), "%s\r\n%s", id, ifname);
	r = ipam_lock(ipam, err);
	if (r < 0)
		return r;
	last = last_reserved(ipam);
	/* Round-robin over offsets 1 .. size-2 starting after @last (allocator.go). */
	for (uint32_t i = 1; i <= size - 2; i++) {
		_cleanup_close_ int fd = -1;
		ssize_t w;

		off = (last + i - 1) % (size - 2) + 1;
		a.s_addr = htonl(ntohl(ipam->subnet.addr.s_addr) + off);
		if (a.s_addr == ipam->gateway.s_addr || (skip && skip(a, arg)))
			continue;
		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		fd = openat(ipam->dirfd, ip, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0) {
			if (errno == EEXIST)
				continue;
			r = nn_err(err, errno, "create lease %s", ip);
			goto out;
		}
		w = write(fd, owner, strlen(owner));
		if (w != (ssize_t)strlen(owner)) {
			int e = w < 0 ? errno : EIO;

			unlinkat(ipam->dirfd, ip, 0);
			r = nn_err(err, e, "write lease %s", ip);
			goto out;
		}
		r = write_last_reserved(ipam, ip, err);
		if (r < 0) {
			unlinkat(ipam->dirfd, ip, 0);
			goto out;
		}
		*out = a;
		goto out;
	}
	a.s_addr = htonl(ntohl(ipam->subnet.addr.s_addr) + 1);
	inet_ntop(AF_INET, &a, first, sizeof(first));
	a.s_addr = htonl(ntohl(ipam->subnet.addr.s_addr) + size - 2);
	inet_ntop(AF_INET, &a, end, sizeof(end));
	/* host-local's words (plugins/ipam/host-local/backend/allocator) */
	r = nn_errx(err, ENOSPC, "no IP addresses available in range set: %s-%s", first, end);
out:
	ipam_unlock(ipam);
	return r;
}

/* host-local trims whitespace around the stored ID before comparing (backend.go). */
static bool owner_is(const char *content, const char *want)
{
	size_t n = strlen(content);

	while (n && strchr(" \t\r\n", content[n - 1]))
		n--;
	return n == strlen(want) && !memcmp(content, want, n);
}

int nn_ipam_release(struct nn_ipam *ipam, struct in_addr ip, const char *id, const char *ifname,
		    struct nn_err *err)
{
	_cleanup_free_ char *content = NULL;
	char owner[NN_NAME_MAX + 32], name[INET_ADDRSTRLEN];
	struct nn_err ignore;
	int r;

	snprintf(owner, sizeof(owner), "%s\r\n%s", id, ifname);
	inet_ntop(AF_INET, &ip, name, sizeof(name));
	r = ipam_lock(ipam, err);
	if (r < 0)
		return r;
	if (nn_read_file(ipam->dirfd, name, &content, NULL, &ignore) == 0 &&
	    owner_is(content, owner) && unlinkat(ipam->dirfd, name, 0) < 0 && errno != ENOENT)
		r = nn_err(err, errno, "remove lease %s", name);
	ipam_unlock(ipam);
	return r;
}
