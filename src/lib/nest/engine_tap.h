/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_ENGINE_TAP_H
#define NN_ENGINE_TAP_H

/*
 * The engine's side of tap0 with offloads: a tap made with IFF_VNET_HDR puts a struct
 * virtio_net_hdr before every frame, both ways (linux Documentation/networking/tuntap.rst,
 * include/uapi/linux/virtio_net.h), and TUNSETOFFLOAD tells the kernel what the reader takes
 * unfinished: frames whose TCP or UDP checksum is left partial (TUN_F_CSUM) and TCP segments
 * of up to 64 KiB, not cut to the MTU (TUN_F_TSO4, TUN_F_TSO6; drivers/net/tun.c
 * set_offload).  libslirp checks every checksum (libslirp's tcp_input.c, udp.c), so the
 * engine completes partial ones before slirp_input().
 */

#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_net.h>

#include "err.h"

/**
 * nn_tap_offload() - turn on checksum and TCP segmentation offloads on a tap with a vnet header
 * @fd:     the tap's fd (/dev/net/tun after TUNSETIFF)
 * @hdrlen: out: bytes of struct virtio_net_hdr before each frame read or written (10), or 0
 *          when the tap was made without IFF_VNET_HDR (nothing is changed then)
 * @err:    error object
 *
 * Asks TUNGETIFF for the tap's flags; with IFF_VNET_HDR, sets TUN_F_CSUM | TUN_F_TSO4 |
 * TUN_F_TSO6 with TUNSETOFFLOAD (linux include/uapi/linux/if_tun.h).  The header size is
 * the kernel's default, sizeof(struct virtio_net_hdr) (tuntap.rst, TUNSETVNETHDRSZ).
 * Return: 0, or the negative errno of TUNGETIFF or TUNSETOFFLOAD.
 */
int nn_tap_offload(int fd, size_t *hdrlen, struct nn_err *err);

/**
 * nn_tap_csum_finish() - complete the partial checksum of a frame read from the tap
 * @frame: the Ethernet frame after its virtio_net_hdr, changed in place
 * @len:   bytes in @frame
 * @h:     the frame's header; with VIRTIO_NET_HDR_F_NEEDS_CSUM the Internet checksum
 *         (RFC 1071) of @frame from csum_start to the end, whose 16 bits at
 *         csum_start + csum_offset already hold the pseudo-header's sum, goes there
 *         (virtio_net.h; the kernel's CHECKSUM_PARTIAL, include/linux/skbuff.h)
 *
 * Header fields are in the host's byte order: a tap without TUNSETVNETLE/BE uses the
 * legacy virtio layout, native-endian (drivers/net/tun.c tun_is_little_endian).
 * Return: 0 (also when no checksum is pending), or -EINVAL when csum_start or
 * csum_offset lie outside @frame (the frame is then left as it is).
 */
int nn_tap_csum_finish(uint8_t *frame, size_t len, const struct virtio_net_hdr *h);

/**
 * nn_inet_csum() - Internet checksum of a buffer (RFC 1071), not yet complemented
 * @buf: the bytes, at any alignment
 * @len: bytes in @buf; an odd last byte counts as its high half (RFC 1071 4.1)
 * @sum: a sum to add in (0, or a previous nn_inet_csum() of a preceding even-sized part)
 *
 * Return: the 16-bit one's complement sum in network byte order; its complement (~) is
 * what goes in a TCP, UDP or IPv4 header checksum field.
 */
uint16_t nn_inet_csum(const void *buf, size_t len, uint16_t sum);

#endif
