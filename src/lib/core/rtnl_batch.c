// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rtnl_batch.c - many rtnetlink requests in one sendmsg(2), their answers read with
 * recvmmsg(2) (see rtnl.h nn_rtnl_batch())
 *
 * The kernel handles every message of one datagram in turn, inside sendmsg
 * (net/netlink/af_netlink.c netlink_rcv_skb()): a request is answered there, and a dump
 * fills its first datagram there; one whose handler finishes at once (nothing to dump)
 * also queues its NLMSG_DONE there.  A dump still running makes the next dump request on
 * the socket fail with EBUSY (__netlink_dump_start()), and the kernel goes on with it from
 * recvmsg (netlink_recvmsg() calls netlink_dump()).  So the requests of a round are sent
 * together, and those refused with EBUSY are sent again, in order, in the next round.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>

#include "rtnl.h"
#include "util.h"

#define BATCH_ROUND 32                  /* requests sent in one sendmsg at most */
#define SLOT_DUMP (64 * 1024)           /* a datagram of a dump (as nn_rtnl_dump) */
#define SLOT_REPLY MNL_SOCKET_BUFFER_SIZE /* the one answer of a request */

enum { UNSENT, SENT, DONE };

/* answers held for the end: [struct held][datagram, padded to 8 bytes] ... */
struct held {
	size_t req;
	size_t len;
};

struct batch {
	struct nn_rtnl *r;
	struct nn_rtnl_req *reqs;
	size_t n;
	unsigned char *state;
	unsigned *seqs;
	char *hold;
	size_t nhold, caphold;
};

/* hold() - keep a copy of datagram @buf (@len bytes) of request @i for the end */
static int hold(struct batch *b, size_t i, const void *buf, size_t len)
{
	size_t need = b->nhold + sizeof(struct held) + ((len + 7) & ~(size_t)7);
	struct held h = { i, len };

	if (need > b->caphold) {
		size_t cap = need > 2 * b->caphold ? need : 2 * b->caphold;
		char *p = realloc(b->hold, cap);

		if (!p)
			return -ENOMEM;
		b->hold = p;
		b->caphold = cap;
	}
	memcpy(b->hold + b->nhold, &h, sizeof(h));
	memcpy(b->hold + b->nhold + sizeof(h), buf, len);
	b->nhold = need;
	return 0;
}

/* is a request without .hold still waiting for its answer? */
static bool others_pending(const struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		if (!b->reqs[i].hold && b->state[i] != DONE)
			return true;
	return false;
}

/* the request of this round that @seq answers, or b->n */
static size_t find_seq(const struct batch *b, unsigned seq)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->state[i] == SENT && b->seqs[i] == seq)
			return i;
	return b->n;
}

/*
 * take() - one datagram @buf (@len bytes) of the answers.  An NLMSG_ERROR ends its request
 * with the kernel's errno (EBUSY: sent again next round); a parse or callback failure
 * ends the batch.  Return: 1 when a request is done, 0 when not yet (or to be sent again),
 * or a negative errno for the whole batch.
 */
static int take(struct batch *b, const char *buf, size_t len)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	struct nn_rtnl_req *q;
	size_t i;
	int ret;

	if (len < sizeof(*nlh))
		return -EBADMSG;
	i = find_seq(b, nlh->nlmsg_seq);
	if (i == b->n)
		return -ESRCH; /* not an answer to this round: mnl_cb_run() refuses it too */
	q = &b->reqs[i];
	/* once one is held, the later ones are too: the callbacks run in the order they came */
	if (nlh->nlmsg_type != NLMSG_ERROR && q->hold && (b->nhold || others_pending(b))) {
		if ((ret = hold(b, i, buf, len)) < 0)
			return ret;
		/* the end of the answer ends the request; its messages run later */
		ret = nn_rtnl_run(buf, len, b->seqs[i], b->r->portid, NULL, NULL);
	} else {
		ret = nn_rtnl_run(buf, len, b->seqs[i], b->r->portid, q->cb, q->data);
	}
	if (ret > MNL_CB_STOP)
		return 0;
	if (ret == MNL_CB_ERROR && nlh->nlmsg_type != NLMSG_ERROR)
		return errno ? -errno : -EBADMSG;
	q->ret = ret == MNL_CB_ERROR ? -errno : 0;
	if (q->ret == -EBUSY && (q->nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP) {
		b->state[i] = UNSENT;
		return 0;
	}
	b->state[i] = DONE;
	return 1;
}

/* send_round() - the first BATCH_ROUND unsent requests in one sendmsg; *@any: any dump */
static int send_round(struct batch *b, bool *any)
{
	struct iovec iov[BATCH_ROUND];
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct msghdr m = { .msg_name = &kernel, .msg_namelen = sizeof(kernel), .msg_iov = iov };
	size_t k = 0;

	*any = false;
	for (size_t i = 0; i < b->n && k < BATCH_ROUND; i++) {
		struct nlmsghdr *nlh = b->reqs[i].nlh;

		if (b->state[i] != UNSENT)
			continue;
		nlh->nlmsg_flags |= NLM_F_REQUEST;
		nlh->nlmsg_seq = b->seqs[i] = ++b->r->seq;
		*any |= !!(nlh->nlmsg_flags & NLM_F_DUMP);
		iov[k++] = (struct iovec){ nlh, NLMSG_ALIGN(nlh->nlmsg_len) };
		b->state[i] = SENT;
	}
	m.msg_iovlen = k;
	if (!k)
		return -EBUSY; /* cannot happen: a round always finishes its first request */
	return sendmsg(mnl_socket_get_fd(b->r->nl), &m, 0) < 0 ? -errno : 0;
}

/*
 * round_trip() - send a round, then read until every request sent is answered, into slots
 * cut from @scratch (@size bytes).  Return: how many requests are done, or a negative errno.
 */
static int round_trip(struct batch *b, char *scratch, size_t size)
{
	struct mmsghdr mm[64];
	struct iovec iov[64];
	size_t slot, nslots;
	int done = 0;
	bool dump;
	int ret = send_round(b, &dump);

	if (ret < 0)
		return ret;
	slot = dump ? SLOT_DUMP : SLOT_REPLY;
	nslots = size / slot < ARRAY_SIZE(mm) ? size / slot : ARRAY_SIZE(mm);
	/* cppcheck-suppress knownConditionTrueFalse ; size >= SLOT_DUMP (nn_rtnl_batch()) */
	for (size_t k = 0; k < nslots; k++) {
		iov[k] = (struct iovec){ scratch + k * slot, slot };
		mm[k] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[k], .msg_iovlen = 1 } };
	}
	for (;;) {
		bool sent = false;
		int got;

		for (size_t i = 0; i < b->n && !sent; i++)
			sent = b->state[i] == SENT;
		if (!sent)
			return done;
		got = recvmmsg(mnl_socket_get_fd(b->r->nl), mm, (unsigned)nslots, MSG_WAITFORONE,
			       NULL);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		for (int k = 0; k < got; k++) {
			if (mm[k].msg_hdr.msg_flags & MSG_TRUNC)
				return -EMSGSIZE;
			if ((ret = take(b, iov[k].iov_base, mm[k].msg_len)) < 0)
				return ret;
			done += ret;
		}
	}
}

/* replay() - run the callbacks of the held answers, in the order they came */
static int replay(struct batch *b)
{
	for (size_t off = 0; off < b->nhold;) {
		struct held h;
		struct nn_rtnl_req *q;
		int ret;

		memcpy(&h, b->hold + off, sizeof(h));
		q = &b->reqs[h.req];
		off += sizeof(h);
		ret = nn_rtnl_run(b->hold + off, h.len, b->seqs[h.req], b->r->portid, q->cb,
				  q->data);
		if (ret == MNL_CB_ERROR && !q->ret)
			return errno ? -errno : -EBADMSG;
		off += (h.len + 7) & ~(size_t)7;
	}
	return 0;
}

int nn_rtnl_batch(struct nn_rtnl *r, struct nn_rtnl_req *reqs, size_t n, void *scratch,
		  size_t size)
{
	_cleanup_free_ unsigned char *state = calloc(n ? n : 1, 1);
	_cleanup_free_ unsigned *seqs = calloc(n ? n : 1, sizeof(*seqs));
	_cleanup_free_ char *own = NULL;
	struct batch b = { r, reqs, n, state, seqs, NULL, 0, 0 };
	int ret = state && seqs ? 0 : -ENOMEM;

	if (!scratch || size < SLOT_DUMP) {
		scratch = own = malloc(NN_RTNL_BATCH_SCRATCH);
		size = NN_RTNL_BATCH_SCRATCH;
		if (!own)
			ret = -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		reqs[i].ret = 0;
	while (!ret) {
		size_t i = 0;

		while (i < n && state[i] == DONE)
			i++;
		if (i == n)
			break;
		ret = round_trip(&b, scratch, size);
		/* no progress: a dump left running on the socket refuses every new one */
		ret = ret == 0 ? -EBUSY : ret < 0 ? ret : 0;
	}
	if (!ret)
		ret = replay(&b);
	free(b.hold);
	return ret;
}
