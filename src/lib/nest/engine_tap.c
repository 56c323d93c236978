// SPDX-License-Identifier: GPL-2.0-or-later
/* engine_tap.c - the tap's virtio-net header and partial checksums (see engine_tap.h) */
#include <errno.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>

#include "engine_tap.h"

int nn_tap_offload(int fd, size_t *hdrlen, struct nn_err *err)
{
	struct ifreq ifr = { 0 };

	*hdrlen = 0;
	if (ioctl(fd, TUNGETIFF, &ifr) < 0)
		return nn_err(err, errno, "engine: read the tap's flags (TUNGETIFF)");
	if (!(ifr.ifr_flags & IFF_VNET_HDR))
		return 0;
	if (ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) < 0)
		return nn_err(err, errno, "engine: tap offloads (TUNSETOFFLOAD)");
	*hdrlen = sizeof(struct virtio_net_hdr);
	return 0;
}

/* 64 bits of one's complement sum folded to 16 (RFC 1071 2(C): end-around carries). */
static uint16_t fold64(uint64_t s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/*
 * Sums words as they lie in memory: the one's complement sum does not depend on byte
 * order (RFC 1071 2(B)), so the result is the network-order sum as stored.
 */
uint16_t nn_inet_csum(const void *buf, size_t len, uint16_t sum)
{
	const uint8_t *p = buf;
	uint64_t s = sum, v;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&v, p, 8);
		s += v;
		s += s < v; /* the carry out of bit 63 comes back in at bit 0 */
	}
	for (; len >= 2; p += 2, len -= 2) {
		uint16_t w;

		memcpy(&w, p, 2);
		s += w;
	}
	if (len) {
		uint8_t last[2] = { p[0], 0 };
		uint16_t w;

		memcpy(&w, last, 2);
		s += w;
	}
	return fold64(s);
}

int nn_tap_csum_finish(uint8_t *frame, size_t len, const struct virtio_net_hdr *h)
{
	size_t start = h->csum_start, at = (size_t)h->csum_start + h->csum_offset;
	uint16_t sum, c;

	if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return 0;
	if (start >= len || at + 2 > len)
		return -EINVAL;
	sum = nn_inet_csum(frame + start, len - start, 0);
	/* a sum of all ones would give 0, which means "no checksum" to UDP: the kernel writes
	 * 0xffff, the same number to TCP (net/core/dev.c skb_checksum_help, CSUM_MANGLED_0) */
	c = sum == 0xffff ? 0xffff : (uint16_t)~sum;
	memcpy(frame + at, &c, 2);
	return 0;
}
