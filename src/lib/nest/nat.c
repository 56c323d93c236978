// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nat.c - the nest's nftables table, sent as one nf_tables netlink batch (see nat.h)
 *
 * The table, its two base chains and their rules are built as libnftnl objects and sent
 * in one NFNL_MSG_BATCH_BEGIN..END transaction (libnftnl loaded for it, dl.h): the kernel makes all of it or nothing
 * (net/netfilter/nfnetlink.c nfnetlink_rcv_batch).  Each rule is the expressions nft(8)
 * itself compiles the rule's text to (`nft --debug=netlink`), so `nft list table ip
 * netnest` prints the rules as nat.h gives them.  libnftables did the same from that text,
 * but loading it (with libnftnl, libxtables, libgmp, libjansson) and parsing took about
 * 10 ms of every `netnest up`.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <time.h>

#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <linux/netfilter_bridge.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>

#include "dl.h"
#include "nat.h"
#include "rtnl.h"
#include "util.h"

/* libnftnl, loaded while the table is made (dl.h): order of nft_names. */
static struct {
	__typeof__(nftnl_expr_alloc) *expr_alloc;
	__typeof__(nftnl_expr_free) *expr_free;
	__typeof__(nftnl_expr_set_u32) *expr_set_u32;
	__typeof__(nftnl_expr_set) *expr_set;
	__typeof__(nftnl_rule_alloc) *rule_alloc;
	__typeof__(nftnl_rule_free) *rule_free;
	__typeof__(nftnl_rule_set_u32) *rule_set_u32;
	__typeof__(nftnl_rule_set_str) *rule_set_str;
	__typeof__(nftnl_rule_add_expr) *rule_add_expr;
	__typeof__(nftnl_rule_nlmsg_build_payload) *rule_nlmsg_build_payload;
	__typeof__(nftnl_table_alloc) *table_alloc;
	__typeof__(nftnl_table_free) *table_free;
	__typeof__(nftnl_table_set_u32) *table_set_u32;
	__typeof__(nftnl_table_set_str) *table_set_str;
	__typeof__(nftnl_table_nlmsg_build_payload) *table_nlmsg_build_payload;
	__typeof__(nftnl_chain_alloc) *chain_alloc;
	__typeof__(nftnl_chain_free) *chain_free;
	__typeof__(nftnl_chain_set_str) *chain_set_str;
	__typeof__(nftnl_chain_set_u32) *chain_set_u32;
	__typeof__(nftnl_chain_set_s32) *chain_set_s32;
	__typeof__(nftnl_chain_nlmsg_build_payload) *chain_nlmsg_build_payload;
	__typeof__(nftnl_nlmsg_build_hdr) *nlmsg_build_hdr;
	__typeof__(nftnl_batch_begin) *batch_begin;
	__typeof__(nftnl_batch_end) *batch_end;
} nft;

static const char *const nft_names[] = {
	"nftnl_expr_alloc",
	"nftnl_expr_free",
	"nftnl_expr_set_u32",
	"nftnl_expr_set",
	"nftnl_rule_alloc",
	"nftnl_rule_free",
	"nftnl_rule_set_u32",
	"nftnl_rule_set_str",
	"nftnl_rule_add_expr",
	"nftnl_rule_nlmsg_build_payload",
	"nftnl_table_alloc",
	"nftnl_table_free",
	"nftnl_table_set_u32",
	"nftnl_table_set_str",
	"nftnl_table_nlmsg_build_payload",
	"nftnl_chain_alloc",
	"nftnl_chain_free",
	"nftnl_chain_set_str",
	"nftnl_chain_set_u32",
	"nftnl_chain_set_s32",
	"nftnl_chain_nlmsg_build_payload",
	"nftnl_nlmsg_build_hdr",
	"nftnl_batch_begin",
	"nftnl_batch_end",
};
_Static_assert(sizeof(nft) == sizeof(nft_names), "one pointer per symbol");

#define NAT_PRIO_SRCNAT 100 /* nft's "srcnat" (NF_IP_PRI_NAT_SRC) */
#define NAT_PRIO_FILTER 0 /* nft's "filter" (NF_IP_PRI_FILTER) */
#define NAT_PRIO_MANGLE (-150) /* nft's "mangle" (NF_IP_PRI_MANGLE) */

/* The batch being built: its messages, and whether an allocation failed on the way. */
struct nat_batch {
	struct mnl_nlmsg_batch *b;
	uint32_t seq;
	unsigned acks; /* messages that ask for one */
	bool nomem;
};

/* A rule being built, in the batch it goes to. */
struct nat_rule {
	struct nat_batch *batch;
	struct nftnl_rule *r;
};

static void add_expr(struct nat_rule *rule, struct nftnl_expr *e)
{
	if (!e || !rule->r) {
		rule->batch->nomem = true;
		nft.expr_free(e);
		return;
	}
	nft.rule_add_expr(rule->r, e);
}

/*
 * e_key() - expression @name ("meta" or "ct") on its @key (@key_attr) with register 1 as
 * @reg_attr: a load into it (NFTNL_EXPR_META_DREG, _CT_DREG) or a set from it (_SREG)
 */
static void e_key(struct nat_rule *rule, const char *name, uint16_t key_attr, uint32_t key,
		  uint16_t reg_attr)
{
	struct nftnl_expr *e = nft.expr_alloc(name);

	if (e) {
		nft.expr_set_u32(e, key_attr, key);
		nft.expr_set_u32(e, reg_attr, NFT_REG_1);
	}
	add_expr(rule, e);
}

/* meta load @key => reg 1 */
static void e_meta(struct nat_rule *rule, uint32_t key)
{
	e_key(rule, "meta", NFTNL_EXPR_META_KEY, key, NFTNL_EXPR_META_DREG);
}

/* immediate @reg = @value, @attr NFTNL_EXPR_IMM_VERDICT or _DATA (4 bytes) */
static void e_imm(struct nat_rule *rule, uint32_t reg, uint16_t attr, uint32_t value)
{
	struct nftnl_expr *e = nft.expr_alloc("immediate");

	if (e) {
		nft.expr_set_u32(e, NFTNL_EXPR_IMM_DREG, reg);
		nft.expr_set_u32(e, attr, value);
	}
	add_expr(rule, e);
}

/* cmp @op reg 1 @data (@len bytes) */
static void e_cmp(struct nat_rule *rule, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nft.expr_alloc("cmp");

	if (e) {
		nft.expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nft.expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
		nft.expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	}
	add_expr(rule, e);
}

/* reg 1 = (reg 1 & @mask) ^ 0, @len bytes */
static void e_mask(struct nat_rule *rule, const void *mask, uint32_t len)
{
	static const uint8_t zero[16];
	struct nftnl_expr *e = nft.expr_alloc("bitwise");

	if (e) {
		nft.expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nft.expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nft.expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
		nft.expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
		nft.expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	}
	add_expr(rule, e);
}

/*
 * [ip|ip6] saddr|daddr @addr/@prefix: a payload load of the network header's address at
 * @offset (@len bytes), masked, compared.  As nft: a prefix of whole bytes loads only those
 * and masks nothing; /0 matches every address, so it adds nothing.
 */
static void m_addr(struct nat_rule *rule, uint32_t offset, const void *addr, uint32_t len,
		    unsigned prefix)
{
	uint8_t mask[16] = { 0 }, net[16];
	uint32_t load = prefix % 8 ? len : prefix / 8;
	struct nftnl_expr *e;

	if (!prefix)
		return;
	for (unsigned i = 0; i < prefix; i++)
		mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	memcpy(net, addr, len);
	for (uint32_t i = 0; i < len; i++)
		net[i] &= mask[i];
	e = nft.expr_alloc("payload");
	if (e) {
		nft.expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
		nft.expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
		nft.expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, load);
		nft.expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	}
	add_expr(rule, e);
	if (load == len && prefix < len * 8)
		e_mask(rule, mask, len);
	e_cmp(rule, NFT_CMP_EQ, net, load);
}

/* [i|o]ifname [!=] @name: the whole IFNAMSIZ, NUL-padded, as nft compares a name */
static void m_ifname(struct nat_rule *rule, uint32_t key, uint32_t op, const char *name)
{
	char buf[IFNAMSIZ] = { 0 };

	snprintf(buf, sizeof(buf), "%s", name);
	e_meta(rule, key);
	e_cmp(rule, op, buf, sizeof(buf));
}

/* fib saddr type != local */
static void m_saddr_not_local(struct nat_rule *rule)
{
	uint32_t local = RTN_LOCAL;
	struct nftnl_expr *e = nft.expr_alloc("fib");

	if (e) {
		nft.expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_SADDR);
		nft.expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
		nft.expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
	}
	add_expr(rule, e);
	e_cmp(rule, NFT_CMP_NEQ, &local, sizeof(local));
}

/* ct state established,related */
static void m_ct_established(struct nat_rule *rule)
{
	uint32_t bits = NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED);
	uint32_t zero = 0;

	e_key(rule, "ct", NFTNL_EXPR_CT_KEY, NFT_CT_STATE, NFTNL_EXPR_CT_DREG);
	e_mask(rule, &bits, sizeof(bits));
	e_cmp(rule, NFT_CMP_NEQ, &zero, sizeof(zero));
}

static void v_masquerade(struct nat_rule *rule)
{
	add_expr(rule, nft.expr_alloc("masq"));
}

static void v_accept(struct nat_rule *rule)
{
	e_imm(rule, NFT_REG_VERDICT, NFTNL_EXPR_IMM_VERDICT, NF_ACCEPT);
}

static void v_drop(struct nat_rule *rule)
{
	e_imm(rule, NFT_REG_VERDICT, NFTNL_EXPR_IMM_VERDICT, NF_DROP);
}

/* ct set mark with reg 1, reg 1 being @value first (immediate) */
static void v_ct_mark_set(struct nat_rule *rule, uint32_t value)
{
	e_imm(rule, NFT_REG_1, NFTNL_EXPR_IMM_DATA, value);
	e_key(rule, "ct", NFTNL_EXPR_CT_KEY, NFT_CT_MARK, NFTNL_EXPR_CT_SREG);
}

/* the next message of the batch: its header, asking for an ack */
static struct nlmsghdr *msg_start(struct nat_batch *nb, uint16_t type, uint16_t family,
				  uint16_t flags)
{
	nb->acks++;
	return nft.nlmsg_build_hdr(mnl_nlmsg_batch_current(nb->b), type, family, flags | NLM_F_ACK,
				   nb->seq++);
}

/* the message is whole: the batch moves past it, unless it did not fit */
static void msg_end(struct nat_batch *nb)
{
	if (!mnl_nlmsg_batch_next(nb->b))
		nb->nomem = true;
}

static void add_table(struct nat_batch *nb, uint16_t family, const char *name)
{
	struct nftnl_table *t = nft.table_alloc();
	struct nlmsghdr *nlh;

	if (!t) {
		nb->nomem = true;
		return;
	}
	nft.table_set_u32(t, NFTNL_TABLE_FAMILY, family);
	nft.table_set_str(t, NFTNL_TABLE_NAME, name);
	nlh = msg_start(nb, NFT_MSG_NEWTABLE, family, NLM_F_CREATE);
	nft.table_nlmsg_build_payload(nlh, t);
	msg_end(nb);
	nft.table_free(t);
}

/* a base chain: "type @type hook @hook priority @prio; policy @policy;" */
static void add_chain(struct nat_batch *nb, uint16_t family, const char *table, const char *name,
		      const char *type, uint32_t hook, int32_t prio, uint32_t policy)
{
	struct nftnl_chain *c = nft.chain_alloc();
	struct nlmsghdr *nlh;

	if (!c) {
		nb->nomem = true;
		return;
	}
	nft.chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nft.chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nft.chain_set_str(c, NFTNL_CHAIN_TYPE, type);
	nft.chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
	nft.chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
	nft.chain_set_u32(c, NFTNL_CHAIN_POLICY, policy);
	nlh = msg_start(nb, NFT_MSG_NEWCHAIN, family, NLM_F_CREATE);
	nft.chain_nlmsg_build_payload(nlh, c);
	msg_end(nb);
	nft.chain_free(c);
}

static struct nat_rule rule_start(struct nat_batch *nb, uint16_t family, const char *table,
				  const char *chain)
{
	struct nat_rule rule = { .batch = nb, .r = nft.rule_alloc() };

	if (!rule.r) {
		nb->nomem = true;
		return rule;
	}
	nft.rule_set_u32(rule.r, NFTNL_RULE_FAMILY, family);
	nft.rule_set_str(rule.r, NFTNL_RULE_TABLE, table);
	nft.rule_set_str(rule.r, NFTNL_RULE_CHAIN, chain);
	return rule;
}

/* the rule appended to its chain, and freed */
static void rule_end(struct nat_rule *rule, uint16_t family)
{
	struct nlmsghdr *nlh;

	if (!rule->r)
		return;
	nlh = msg_start(rule->batch, NFT_MSG_NEWRULE, family, NLM_F_APPEND | NLM_F_CREATE);
	nft.rule_nlmsg_build_payload(nlh, rule->r);
	msg_end(rule->batch);
	nft.rule_free(rule->r);
	rule->r = NULL;
}

/*
 * table ip netnest (@f NFPROTO_IPV4) or ip6 netnest (NFPROTO_IPV6): postrouting (nat)
 * masquerades out of @cfg->tap, forward (filter) drops only new packets from the tap into a
 * bridge (nat.h).  @net (@len bytes, @prefix bits) is the bridge's network, at @offset in
 * the network header (the source address: 12 in IPv4's, 8 in IPv6's, RFC 791, RFC 8200).
 */
static void build_table(struct nat_batch *nb, const struct nn_nest_config *cfg, uint16_t f,
			const void *net, uint32_t len, unsigned prefix, uint32_t offset)
{
	struct nat_rule r;

	add_table(nb, f, NN_NAT_TABLE);
	/* both chains, then the rules: the handles nft gives them from the same text */
	add_chain(nb, f, NN_NAT_TABLE, "postrouting", "nat", NF_INET_POST_ROUTING, NAT_PRIO_SRCNAT,
		  NF_ACCEPT);
	add_chain(nb, f, NN_NAT_TABLE, "forward", "filter", NF_INET_FORWARD, NAT_PRIO_FILTER,
		  NF_DROP);
	if (*cfg->bridge) { /* ip[6] saddr SUBNET oifname TAP masquerade */
		r = rule_start(nb, f, NN_NAT_TABLE, "postrouting");
		m_addr(&r, offset, net, len, prefix);
		m_ifname(&r, NFT_META_OIFNAME, NFT_CMP_EQ, cfg->tap);
		v_masquerade(&r);
		rule_end(&r, f);
	}
	/* oifname TAP fib saddr type != local masquerade */
	r = rule_start(nb, f, NN_NAT_TABLE, "postrouting");
	m_ifname(&r, NFT_META_OIFNAME, NFT_CMP_EQ, cfg->tap);
	m_saddr_not_local(&r);
	v_masquerade(&r);
	rule_end(&r, f);
	r = rule_start(nb, f, NN_NAT_TABLE, "forward"); /* ct state established,related accept */
	m_ct_established(&r);
	v_accept(&r);
	rule_end(&r, f);
	r = rule_start(nb, f, NN_NAT_TABLE, "forward"); /* iifname != TAP accept */
	m_ifname(&r, NFT_META_IIFNAME, NFT_CMP_NEQ, cfg->tap);
	v_accept(&r);
	rule_end(&r, f);
}

/* The nest's tables: ip netnest, and ip6 netnest (NAT66) with IPv6 (docs/design.md#ipv6). */
static void build_nest_tables(struct nat_batch *nb, const void *arg)
{
	const struct nn_nest_config *cfg = arg;
	struct in_addr net = nn_cidr_network(&cfg->subnet);

	build_table(nb, cfg, NFPROTO_IPV4, &net, sizeof(net), cfg->subnet.prefix, 12);
	if (cfg->ipv6) {
		struct in6_addr net6 = nn_cidr6_network(&cfg->subnet6);

		build_table(nb, cfg, NFPROTO_IPV6, &net6, sizeof(net6), cfg->subnet6.prefix, 8);
	}
}

/*
 * table bridge netnest (nat.h): forward (filter, policy accept) "ip6 daddr ff02::16 drop",
 * the MLDv2 reports' address (RFC 3810 5.2.14), at 24 in the IPv6 header (RFC 8200);
 * "ip6" in a bridge chain is nft's "meta protocol ip6" first.
 */
static void build_mld_table(struct nat_batch *nb, const void *arg)
{
	static const struct in6_addr mld2 = { { { 0xff, 0x02, [15] = 0x16 } } };
	const uint16_t f = NFPROTO_BRIDGE, ip6 = htons(ETH_P_IPV6);
	struct nat_rule r;

	(void)arg;
	add_table(nb, f, NN_NAT_TABLE);
	add_chain(nb, f, NN_NAT_TABLE, "forward", "filter", NF_BR_FORWARD,
		  NF_BR_PRI_FILTER_BRIDGED, NF_ACCEPT);
	r = rule_start(nb, f, NN_NAT_TABLE, "forward");
	e_meta(&r, NFT_META_PROTOCOL);
	e_cmp(&r, NFT_CMP_EQ, &ip6, sizeof(ip6));
	m_addr(&r, 24, &mld2, sizeof(mld2), 128);
	v_drop(&r);
	rule_end(&r, f);
}

/* The marks of nn_nat_add_keep_source(). */
struct src_marks {
	uint32_t sock, route;
};

/*
 * table inet netnest_src (nat.h): output "meta mark SOCK ct mark set ROUTE", prerouting
 * "ct mark ROUTE meta mark set ct mark", both "type filter ... priority mangle".
 */
static void build_src_table(struct nat_batch *nb, const void *arg)
{
	const struct src_marks *m = arg;
	const uint16_t f = NFPROTO_INET;
	struct nat_rule r;

	add_table(nb, f, NN_SRC_TABLE);
	add_chain(nb, f, NN_SRC_TABLE, "output", "filter", NF_INET_LOCAL_OUT, NAT_PRIO_MANGLE,
		  NF_ACCEPT);
	add_chain(nb, f, NN_SRC_TABLE, "prerouting", "filter", NF_INET_PRE_ROUTING,
		  NAT_PRIO_MANGLE, NF_ACCEPT);
	r = rule_start(nb, f, NN_SRC_TABLE, "output");
	e_meta(&r, NFT_META_MARK);
	e_cmp(&r, NFT_CMP_EQ, &m->sock, sizeof(m->sock));
	v_ct_mark_set(&r, m->route);
	rule_end(&r, f);
	r = rule_start(nb, f, NN_SRC_TABLE, "prerouting");
	e_key(&r, "ct", NFTNL_EXPR_CT_KEY, NFT_CT_MARK, NFTNL_EXPR_CT_DREG);
	e_cmp(&r, NFT_CMP_EQ, &m->route, sizeof(m->route));
	e_key(&r, "ct", NFTNL_EXPR_CT_KEY, NFT_CT_MARK, NFTNL_EXPR_CT_DREG);
	e_key(&r, "meta", NFTNL_EXPR_META_KEY, NFT_META_MARK, NFTNL_EXPR_META_SREG);
	rule_end(&r, f);
}

/*
 * The kernel answers the whole batch while sendto(2) runs (nfnetlink_rcv_batch is called
 * from the socket's input): afterwards every ack and error is queued on the socket.  The
 * first error is the one reported; a batch refused as a whole (EPERM) has one error only.
 */
static int read_acks(struct mnl_socket *nl, unsigned want, struct nn_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned got = 0;
	int first = 0;

	while (got < want) {
		ssize_t n = recv(mnl_socket_get_fd(nl), buf, sizeof(buf), MSG_DONTWAIT);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int len = (int)n;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && (first || got))
			break;
		if (n < 0)
			return nn_err(err, errno, "read nf_tables' answer");
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
				continue;
			got++;
			if (e->error && !first)
				first = e->error;
		}
	}
	if (first)
		return nn_err(err, -first, "nf_tables");
	return got == want ? 0 :
			     nn_errx(err, EIO, "nf_tables answered %u of %u messages", got, want);
}

/* What @build(@arg) adds, built in @buf (@size bytes) and sent on a new socket; its
 * answers read. */
static int send_batch(void (*build)(struct nat_batch *, const void *), const void *arg,
		      char *buf, size_t size, struct nn_err *err)
{
	struct nat_batch nb = { .seq = (uint32_t)time(NULL) };
	struct mnl_socket *nl;
	int r;

	/* mnl_nlmsg_batch_next() says "full" when the message just added ran past the end
	 * of the buffer it was given; half of it is what is given, so that message still fits */
	nb.b = mnl_nlmsg_batch_start(buf, size / 2);
	if (!nb.b)
		return nn_err(err, ENOMEM, "nf_tables batch");
	nft.batch_begin(mnl_nlmsg_batch_current(nb.b), nb.seq++);
	msg_end(&nb);
	build(&nb, arg);
	if (!nb.nomem) {
		nft.batch_end(mnl_nlmsg_batch_current(nb.b), nb.seq++);
		msg_end(&nb);
	}
	if (nb.nomem) {
		mnl_nlmsg_batch_stop(nb.b);
		return nn_err(err, ENOMEM, "nf_tables batch");
	}
	nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!nl) {
		r = nn_err(err, errno, "open a NETLINK_NETFILTER socket");
	} else if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
		   mnl_socket_sendto(nl, mnl_nlmsg_batch_head(nb.b), mnl_nlmsg_batch_size(nb.b)) <
			   0) {
		r = nn_err(err, errno, "send the nf_tables batch");
	} else {
		r = read_acks(nl, nb.acks, err);
	}
	if (nl)
		mnl_socket_close(nl);
	mnl_nlmsg_batch_stop(nb.b);
	return r;
}

/* A batch for nat_here(): what builds it, and from what; then, if @then, a second batch,
 * all or nothing on its own, whose failure is only a notice (nn_notice()) naming
 * @then_what: what it adds, and what is lost without it. */
struct nat_job {
	void (*build)(struct nat_batch *, const void *);
	const void *arg;
	void (*then)(struct nat_batch *, const void *);
	const char *then_what;
};

/* In the nest's netns (nn_netns_call()): libnftnl loaded, the batch sent, unloaded. */
static int nat_here(void *arg, struct nn_err *err)
{
	const struct nat_job *job = arg;
	struct nn_err then;
	char buf[16384]; /* the whole batch: about 1 KiB today; msg_end() sees an overflow */
	void *lib;
	int r = nn_dl_load("libnftnl.so.11", nft_names, (void **)&nft, ARRAY_SIZE(nft_names), &lib,
			   err);

	if (r < 0)
		return r;
	r = send_batch(job->build, job->arg, buf, sizeof(buf), err);
	if (r == 0 && job->then && send_batch(job->then, job->arg, buf, sizeof(buf), &then) < 0)
		nn_notice("add %s in the nest's netns: %s", job->then_what, then.msg);
	/* Unloaded again: an idle daemon does not keep libnftnl resident. */
	dlclose(lib);
	return r;
}

int nn_nat_add(int netns_fd, const struct nn_nest_config *cfg, struct nn_err *err)
{
	struct nat_job job = { build_nest_tables, cfg, *cfg->bridge ? build_mld_table : NULL,
			       "table bridge " NN_NAT_TABLE " (without it the sandboxes' MLDv2 "
			       "reports go to every bridge port)" };
	int r = nn_netns_call(netns_fd, "of the nest", nat_here, &job, err);

	if (r < 0)
		return nn_err_wrap(err, cfg->ipv6 ? "add tables ip and ip6 " NN_NAT_TABLE
				   " in the nest's netns" : "add table ip " NN_NAT_TABLE
				   " in the nest's netns");
	return r;
}

int nn_nat_add_keep_source(int netns_fd, uint32_t sock_mark, uint32_t route_mark,
			   struct nn_err *err)
{
	struct src_marks m = { sock_mark, route_mark };
	struct nat_job job = { build_src_table, &m, NULL, NULL };
	int r = nn_netns_call(netns_fd, "of the nest", nat_here, &job, err);

	return r < 0 ? nn_err_wrap(err, "add table inet " NN_SRC_TABLE " in the nest's netns") :
		       r;
}
