// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_rtnl_batch.c - nn_rtnl_batch() against the kernel, in a netns made for the test
 * (a child process unshares a user and a network namespace, or only the network one as
 * root): dumps sent together come back in order, a dump refused with EBUSY while another
 * runs is sent again, held answers run after the rest, an RTM_GETNSID is answered in the
 * same batch, and many requests go in rounds.  Skipped where namespaces cannot be made.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "lib/core/rtnl.h"

#define SKIP 77

/* what the callbacks saw, in order: 'L' a link, '4' / '6' an address of that family */
struct seen {
	char order[64];
	size_t n;
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct seen *s = data;

	if (nlh->nlmsg_type == RTM_NEWLINK && s->n + 1 < sizeof(s->order))
		s->order[s->n++] = 'L';
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct seen *s = data;

	if (nlh->nlmsg_type == RTM_NEWADDR && s->n + 1 < sizeof(s->order))
		s->order[s->n++] = ifa->ifa_family == AF_INET ? '4' : '6';
	return MNL_CB_OK;
}

static struct nlmsghdr *dump(char *buf, uint16_t type, size_t hdrlen, unsigned char family)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	unsigned char *h;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_DUMP;
	h = mnl_nlmsg_put_extra_header(nlh, hdrlen);
	h[0] = family;
	return nlh;
}

/* the checks, in the child's new netns: 0 when all hold, else the number of the failed one */
static int checks(void)
{
	_Alignas(struct nlmsghdr) char bufs[4][64];
	struct nn_rtnl r;
	struct nn_err e;
	struct seen s = { 0 };
	int32_t ids[40];
	bool ok[40];
	int fds[40], self;

	if (nn_rtnl_open(&r, -1, "test", &e) < 0 || nn_rtnl_link_up(&r, "lo", &e) < 0)
		return 1;
	/* lo up has 127.0.0.1 and ::1: the IPv4 dump runs on past sendmsg, so the dumps
	 * after it are refused with EBUSY and sent again; the link dump, sent last, still
	 * runs before the held address answers */
	struct nn_rtnl_req q[4] = {
		{ dump(bufs[0], RTM_GETADDR, sizeof(struct ifaddrmsg), AF_INET), addr_cb, &s,
		  true, 0 },
		{ dump(bufs[1], RTM_GETADDR, sizeof(struct ifaddrmsg), AF_INET6), addr_cb, &s,
		  true, 0 },
		{ nn_rtnl_netnsid_msg(bufs[2], -1), nn_rtnl_netnsid_cb, &ids[0], false, 0 },
		{ dump(bufs[3], RTM_GETLINK, sizeof(struct ifinfomsg), AF_UNSPEC), link_cb, &s,
		  false, 0 },
	};
	ids[0] = 7;
	if (nn_rtnl_batch(&r, q, 4, NULL, 0) != 0)
		return 2;
	if (q[0].ret || q[1].ret || q[3].ret)
		return 3;
	if (q[2].ret != -EBADF || ids[0] != 7) /* NETNSA_FD -1: the kernel's own error */
		return 4;
	s.order[s.n] = '\0';
	if (strcmp(s.order, "L46"))
		return 5;
	/* 40 nsid requests: two rounds; our own netns has no nsid in itself */
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	for (int i = 0; i < 40; i++)
		fds[i] = self;
	if (self < 0 || nn_rtnl_netnsids(&r, fds, 40, ids, ok) != 0)
		return 6;
	for (int i = 0; i < 40; i++)
		if (!ok[i] || ids[i] != -1)
			return 7;
	close(self);
	nn_rtnl_close(&r);
	return 0;
}

static void dumps_in_one_batch_come_back_in_order(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int flags = geteuid() == 0 ? CLONE_NEWNET : CLONE_NEWUSER | CLONE_NEWNET;

		_exit(unshare(flags) < 0 ? SKIP : checks());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == SKIP)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dumps_in_one_batch_come_back_in_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
