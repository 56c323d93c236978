// SPDX-License-Identifier: GPL-2.0-or-later
/* test_engine_tap.c - the engine's Internet checksum and its completion of partial ones */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "lib/nest/engine_tap.h"

/* The sum the slow way: 16-bit big-endian words, carries folded at the end. */
static uint16_t naive_sum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;

	for (size_t i = 0; i < len; i += 2)
		s += (uint32_t)(p[i] << 8) | (i + 1 < len ? p[i + 1] : 0);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint16_t stored(uint16_t v) /* a sum as nn_inet_csum() returns it, as a number */
{
	uint8_t b[2];

	memcpy(b, &v, 2);
	return (uint16_t)(b[0] << 8 | b[1]);
}

static void sums_match_rfc1071_and_the_slow_way(void **state)
{
	/* RFC 1071 section 3's example: the sum of these bytes is ddf2 */
	static const uint8_t ex[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	uint8_t buf[1031];
	uint32_t x = 12345;

	(void)state;
	assert_int_equal(stored(nn_inet_csum(ex, sizeof(ex), 0)), 0xddf2);
	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245 + 12345;
		buf[i] = (uint8_t)(x >> 16);
	}
	memset(buf + 100, 0xff, 200); /* long runs of carries */
	for (size_t len = 0; len <= sizeof(buf); len += len < 40 ? 1 : 97)
		assert_int_equal(stored(nn_inet_csum(buf, len, 0)), naive_sum(buf, len));
	/* in two parts: the first even-sized */
	assert_int_equal(stored(nn_inet_csum(buf + 64, 967, nn_inet_csum(buf, 64, 0))),
			 naive_sum(buf, 1031));
}

/* Ethernet + IPv4 (20) + UDP (8) + 13 bytes of payload: offsets of the UDP header. */
#define L4 (14 + 20)
#define FLEN (L4 + 8 + 13)

static void udp_frame(uint8_t *f)
{
	static const uint8_t src[4] = { 10, 4, 0, 2 }, dst[4] = { 10, 0, 2, 2 };
	uint8_t pseudo[12];
	uint16_t ulen = 8 + 13, part;

	memset(f, 0, FLEN);
	f[12] = 0x08; /* ETH_P_IP */
	f[14] = 0x45;
	f[14 + 9] = 17; /* IPPROTO_UDP */
	memcpy(f + 14 + 12, src, 4);
	memcpy(f + 14 + 16, dst, 4);
	f[L4 + 1] = 53;
	f[L4 + 3] = 53;
	f[L4 + 4] = (uint8_t)(ulen >> 8);
	f[L4 + 5] = (uint8_t)ulen;
	for (int i = 0; i < 13; i++)
		f[L4 + 8 + i] = (uint8_t)(0xa0 + i);
	/* CHECKSUM_PARTIAL: the field holds the pseudo-header's sum, not complemented */
	memcpy(pseudo, src, 4);
	memcpy(pseudo + 4, dst, 4);
	pseudo[8] = 0;
	pseudo[9] = 17;
	pseudo[10] = (uint8_t)(ulen >> 8);
	pseudo[11] = (uint8_t)ulen;
	part = htons(naive_sum(pseudo, sizeof(pseudo)));
	memcpy(f + L4 + 6, &part, 2);
}

static void partial_checksums_are_completed(void **state)
{
	struct virtio_net_hdr h = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = L4,
				    .csum_offset = 6 };
	uint8_t f[FLEN], pseudo_and_udp[12 + FLEN - L4], copy[FLEN];

	(void)state;
	udp_frame(f);
	assert_int_equal(nn_tap_csum_finish(f, FLEN, &h), 0);
	assert_true(f[L4 + 6] || f[L4 + 7]);
	/* a receiver's check: pseudo-header + UDP header + data sums to all ones */
	memcpy(pseudo_and_udp, f + 14 + 12, 8);
	pseudo_and_udp[8] = 0;
	pseudo_and_udp[9] = 17;
	memcpy(pseudo_and_udp + 10, f + L4 + 4, 2);
	memcpy(pseudo_and_udp + 12, f + L4, FLEN - L4);
	assert_int_equal(naive_sum(pseudo_and_udp, sizeof(pseudo_and_udp)), 0xffff);

	/* nothing pending: the frame is not touched */
	udp_frame(f);
	memcpy(copy, f, FLEN);
	h.flags = 0;
	assert_int_equal(nn_tap_csum_finish(f, FLEN, &h), 0);
	assert_memory_equal(f, copy, FLEN);

	/* a header that points past the frame is refused, the frame left alone */
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.csum_offset = FLEN - L4 - 1;
	assert_int_equal(nn_tap_csum_finish(f, FLEN, &h), -EINVAL);
	h.csum_start = FLEN;
	h.csum_offset = 0;
	assert_int_equal(nn_tap_csum_finish(f, FLEN, &h), -EINVAL);
	assert_memory_equal(f, copy, FLEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sums_match_rfc1071_and_the_slow_way),
		cmocka_unit_test(partial_checksums_are_completed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
