// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nest.c - the nest seen from outside: config, the `up` process that starts the daemon
 * in its namespaces and waits for it, the state dir's lock and stale leftovers, and
 * stopping (see nest.h; the daemon itself is nestd.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "nest.h"
#include "pidfd.h"
#include "proc.h"
#include "report.h"
#include "state.h"
#include "sweep.h"
#include "userns.h"
#include "util.h"

#define STOP_TIMEOUT_MS 10000

void nn_nest_config_init(struct nn_nest_config *cfg, const char *name)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->name, sizeof(cfg->name), "%s", name);
	nn_cidr_parse("10.0.2.0/24", "--cidr", &cfg->cidr, NULL);
	nn_cidr_parse("10.4.0.0/24", "--subnet", &cfg->subnet, NULL);
	/* slirp4netns's IPv6 defaults (slirp4netns.1: fd00::/64, gateway ::2, DNS ::3) and
	 * its tap address .100 carried over (docs/facts-slirp.md#ipv6) */
	cfg->ipv6 = true;
	nn_cidr6_parse(NN_ENGINE_CIDR6, "--cidr6", &cfg->cidr6, NULL);
	nn_cidr6_host(&cfg->cidr6, 0x100, &cfg->tap_ip6);
	nn_cidr6_host(&cfg->cidr6, 2, &cfg->gateway6);
	nn_cidr6_host(&cfg->cidr6, 3, &cfg->dns6);
	nn_cidr6_parse(NN_SUBNET6_DEFAULT, "--subnet6", &cfg->subnet6, NULL);
	cfg->mtu = 65520;
	cfg->rootless = geteuid() != 0;
	snprintf(cfg->tap, sizeof(cfg->tap), "tap0");
	snprintf(cfg->bridge, sizeof(cfg->bridge), "netnest0");
	cfg->port_driver = true;
	cfg->keep_source = true;
	cfg->net = NN_NET_ENGINE;
}

int nn_nest_config_default(struct nn_nest_config *cfg, const char *name, struct nn_err *err)
{
	nn_nest_config_init(cfg, name);
	return nn_state_dir(name, cfg->state_dir, err);
}

static const char *ntoa(struct in_addr a, char buf[INET_ADDRSTRLEN])
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* subnet6_finish() - check --subnet6 (nn_nest_config_finish()) and set bridge_ip6 */
static int subnet6_finish(struct nn_nest_config *cfg, struct nn_err *err)
{
	static const struct nn_cidr6 ula = { .addr.s6_addr = { 0xfc }, .prefix = 7 };
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	struct in6_addr net = nn_cidr6_network(&cfg->subnet6), engine;
	unsigned p = cfg->subnet6.prefix;

	inet_ntop(AF_INET6, &cfg->subnet6.addr, a, sizeof(a));
	inet_ntop(AF_INET6, &net, b, sizeof(b));
	if (memcmp(&net, &cfg->subnet6.addr, sizeof(net)))
		return nn_errx(err, EINVAL, "--subnet6 %s/%u: not a network address (use %s/%u)",
			       a, p, b, p);
	if (p > 64)
		return nn_errx(err, EINVAL, "--subnet6 %s/%u: too small: a bridge takes a /64 or "
			       "a larger network", a, p);
	if (p < ula.prefix || !nn_cidr6_contains(&ula, &net))
		return nn_errx(err, EINVAL, "--subnet6 %s/%u: not a unique local network "
			       "(fc00::/7, RFC 4193)", a, p);
	engine = nn_cidr6_network(&cfg->cidr6);
	if (nn_cidr6_contains(&cfg->subnet6, &engine) || nn_cidr6_contains(&cfg->cidr6, &net))
		return nn_errx(err, EINVAL, "--subnet6 %s/%u overlaps the engine's network "
			       NN_ENGINE_CIDR6, a, p);
	/* the bridge's IPv6 address mirrors its IPv4 one: fd00:4::1 for 10.4.0.1 */
	return nn_cidr6_host(&cfg->subnet6, ntohl(cfg->bridge_ip.s_addr) -
			     ntohl(nn_cidr_network(&cfg->subnet).s_addr), &cfg->bridge_ip6);
}

/*
 * lan_check() - refuse network @c, given as option @opt, when it cannot be a nest's LAN: it
 * is, or holds, a range that is never one (nn_cidr_special()), or it is larger than a /8,
 * the largest private network (10.0.0.0/8, RFC 1918 section 3), so it would hide that much
 * of the outside from the nest (its route on the link wins over the default route).
 */
static int lan_check(const struct nn_cidr *c, const char *opt, struct nn_err *err)
{
	const struct nn_cidr_special *sp;
	char a[INET_ADDRSTRLEN];
	bool inside;

	ntoa(c->addr, a);
	sp = nn_cidr_special(c, &inside);
	if (sp && inside)
		return nn_errx(err, EINVAL, "%s %s/%u: a %s range, not a LAN", opt, a, c->prefix,
			       sp->kind);
	if (c->prefix < NN_LAN_PREFIX_MIN)
		return nn_errx(err, EINVAL, "%s %s/%u: larger than a /%u (10.0.0.0/8, the largest "
			       "private network), not a LAN", opt, a, c->prefix, NN_LAN_PREFIX_MIN);
	if (sp)
		return nn_errx(err, EINVAL, "%s %s/%u: holds the %s range %s/%u, not a LAN", opt, a,
			       c->prefix, sp->kind, sp->net, sp->prefix);
	return 0;
}

int nn_nest_config_finish(struct nn_nest_config *cfg, struct nn_err *err)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	struct in_addr net, bcast;
	uint32_t size;
	int r;

	if (cfg->engine == NN_ENGINE_PASTA)
		cfg->ipv6 = false; /* pasta.go passes --ipv4-only unless --ipv6 */
	if (cfg->mtu < NN_MTU_MIN || cfg->mtu > NN_MTU_MAX)
		return nn_errx(err, EINVAL, "--mtu %u: out of range %u..%u", cfg->mtu, NN_MTU_MIN,
			       NN_MTU_MAX);
	if ((r = lan_check(&cfg->cidr, "--cidr", err)) < 0)
		return r;
	r = 0;
	/* the kernel takes IPv6 off a device whose MTU is below 1280 (RFC 8200 section 5;
	 * net/ipv6/addrconf.c addrconf_notify NETDEV_CHANGEMTU): no /proc/sys/net/ipv6/conf/tap0 */
	if (cfg->ipv6 && cfg->mtu < NN_IPV6_MTU_MIN) {
		cfg->ipv6 = false;
		nn_errx(err, EAFNOSUPPORT, "--mtu %u: below IPv6's minimum MTU of %u (RFC 8200 section 5), "
			"so the nest has IPv4 only", cfg->mtu, NN_IPV6_MTU_MIN);
		r = 1;
	}
	net = nn_cidr_network(&cfg->cidr);
	if (net.s_addr != cfg->cidr.addr.s_addr)
		return nn_errx(err, EINVAL, "--cidr %s/%u: not a network address (use %s/%u)",
			       ntoa(cfg->cidr.addr, a), cfg->cidr.prefix, ntoa(net, b),
			       cfg->cidr.prefix);
	/* the engine's addresses: gateway + 2, DNS + 3, DHCP from + 15, the tap + 100 (as
	 * slirp4netns, whose --cidr takes /1 to /25 for the same reason: main.c) */
	if (nn_cidr_host(&cfg->cidr, 100, &cfg->tap_ip) < 0)
		return nn_errx(err, EINVAL, "--cidr %s/%u: too small for the tap address (network "
			       "+ 100; gateway + 2, DNS + 3): at most /25", ntoa(net, a),
			       cfg->cidr.prefix);
	nn_cidr_host(&cfg->cidr, 2, &cfg->gateway);
	nn_cidr_host(&cfg->cidr, 3, &cfg->dns);
	if (!cfg->bridge[0])
		return r; /* no bridge: --subnet and --gateway mean nothing */

	if (lan_check(&cfg->subnet, "--subnet", err) < 0)
		return -EINVAL;
	net = nn_cidr_network(&cfg->subnet);
	if (net.s_addr != cfg->subnet.addr.s_addr)
		return nn_errx(err, EINVAL, "--subnet %s/%u: not a network address (use %s/%u)",
			       ntoa(cfg->subnet.addr, a), cfg->subnet.prefix, ntoa(net, b),
			       cfg->subnet.prefix);
	/* the network, the bridge's address, one sandbox's and the broadcast address */
	if (cfg->subnet.prefix > 30)
		return nn_errx(err, EINVAL, "--subnet %s/%u: too small for the bridge's address and "
			       "a sandbox's: at most /30", ntoa(net, a), cfg->subnet.prefix);
	if (nn_cidr_contains(&cfg->cidr, net) ||
	    nn_cidr_contains(&cfg->subnet, nn_cidr_network(&cfg->cidr)))
		return nn_errx(err, EINVAL, "--subnet %s/%u overlaps --cidr %s/%u", ntoa(net, a),
			       cfg->subnet.prefix, ntoa(cfg->cidr.addr, b), cfg->cidr.prefix);
	if (cfg->bridge_ip.s_addr == 0)
		nn_cidr_host(&cfg->subnet, 1, &cfg->bridge_ip);
	size = (uint32_t)(1ull << (32 - cfg->subnet.prefix));
	nn_cidr_host(&cfg->subnet, size - 1, &bcast);
	if (!nn_cidr_contains(&cfg->subnet, cfg->bridge_ip))
		return nn_errx(err, EINVAL, "--gateway %s is outside --subnet %s/%u",
			       ntoa(cfg->bridge_ip, a), ntoa(net, b), cfg->subnet.prefix);
	if (cfg->bridge_ip.s_addr == net.s_addr || cfg->bridge_ip.s_addr == bcast.s_addr)
		return nn_errx(err, EINVAL, "--gateway %s is the network or broadcast address of "
			       "--subnet %s/%u", ntoa(cfg->bridge_ip, a), ntoa(net, b),
			       cfg->subnet.prefix);
	if (cfg->ipv6)
		return subnet6_finish(cfg, err);
	return r;
}

/*
 * stale_netns() - the netns of @rec's live process, opened while its pidfd @pidfd shows it
 * alive, if it is the one the record names (its inode) and not the caller's own; else -1
 */
static int stale_netns(const struct nn_sandbox_rec *rec, int pidfd)
{
	_cleanup_close_ int fd = -1;
	struct stat st, own;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)rec->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !rec->netns || fstat(fd, &st) < 0 || st.st_ino != rec->netns ||
	    stat("/proc/self/ns/net", &own) < 0 || own.st_ino == st.st_ino ||
	    nn_pidfd_wait(pidfd, 0))
		return -1;
	return steal_fd(&fd);
}

/*
 * kill_stale_sandbox() - SIGKILL one sandbox of a stale nest (nn_state_sandboxes()) if its
 * record has a start time and the process still has it, through a pidfd opened before the
 * check (so a PID reused after it is never hit), and wait up to 2 s for it to go; then the
 * processes it left in its netns, as the daemon's watcher would have (nn_sweep()).
 * @arg: an int counting the sandboxes killed
 */
static int kill_stale_sandbox(const struct nn_sandbox_rec *rec, void *arg)
{
	_cleanup_close_ int pidfd = -1, netns = -1;

	if (!rec->starttime)
		return 0;
	pidfd = nn_pidfd_open(rec->pid);
	if (pidfd < 0 || !nn_state_sandbox_live(rec))
		return 0;
	netns = stale_netns(rec, pidfd);
	if (nn_pidfd_signal(pidfd, SIGKILL) < 0)
		return 0;
	nn_pidfd_wait(pidfd, 2000);
	if (netns >= 0)
		nn_sweep(&netns, 1, CLONE_NEWNET, -1, 2000);
	(*(int *)arg)++;
	return 0;
}

/*
 * A stale nest's sandboxes, as kill_stale_sandbox(), then (rootless) every process still
 * in its user namespace (NN_STATE_USERNS), as the daemon's teardown would have ended them
 * (nestd.c sweep_userns()): what `exec nest` started, a sandbox's process that unshared a
 * netns of its own.  They would keep the nest's netns, tap0, bridge and tables alive.
 * Return: how many sandboxes were killed.
 */
static int kill_stale_sandboxes(int dirfd, const char *state_dir)
{
	_cleanup_free_ char *ino = NULL;
	unsigned long v;
	int killed = 0, fd;

	nn_state_sandboxes(state_dir, kill_stale_sandbox, &killed);
	if (nn_read_file(dirfd, NN_STATE_USERNS, &ino, NULL, NULL) == 0 &&
	    nn_parse_uint(ino, 1, ULONG_MAX, &v) == 0 &&
	    (fd = nn_sweep_find(CLONE_NEWUSER, v)) >= 0) {
		nn_sweep(&fd, 1, CLONE_NEWUSER, -1, 2000);
		close(fd);
	}
	return killed;
}

/* Take the state dir's lock; collect a stale nest's leftovers. Return the lock fd. */
static int lock_state_dir(const struct nn_nest_config *cfg, int *dirfd, struct nn_err *err)
{
	_cleanup_close_ int dfd = -1, lock = -1;
	_cleanup_free_ char *pid = NULL;
	int r = nn_state_mkdir(cfg->state_dir, err);

	if (r < 0)
		return r;
	dfd = open(cfg->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return nn_err(err, errno, "open state dir %s", cfg->state_dir);
	/* RootlessKit clears whatever --state-dir names (docs/facts-rootlesskit.md), and so
	 * does the drop-in; a nest's own dir is cleared only when it is one */
	if (!cfg->child && !nn_state_dir_ours(dfd))
		return nn_errx(err, ENOTEMPTY, "state dir %s of nest %s: not empty and not a state "
			       "dir (no lock file); nothing in it was changed", cfg->state_dir,
			       cfg->name);
	lock = openat(dfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0)
		return nn_err(err, errno, "open %s/lock", cfg->state_dir);
	if (flock(lock, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK)
			return nn_err(err, errno, "lock %s/lock", cfg->state_dir);
		if (nn_read_file(dfd, NN_STATE_CHILD_PID, &pid, NULL, NULL) < 0)
			pid = NULL;
		if (cfg->child)
			return nn_errx(err, EBUSY, "--state-dir=%s: failed to lock %s/lock, another "
				       "RootlessKit (child pid %s) is running with the same state "
				       "directory", cfg->state_dir, cfg->state_dir,
				       pid ? pid : "starting");
		return nn_errx(err, EBUSY, "nest %s is already running (pid %s, state dir %s)",
			       cfg->name, pid ? pid : "starting", cfg->state_dir);
	}
	kill_stale_sandboxes(dfd, cfg->state_dir);
	nn_state_clear(dfd, true);
	*dirfd = steal_fd(&dfd);
	return steal_fd(&lock);
}

/* The daemon process until nn_nestd_run(): namespaces, then the daemon's life. */
static __attribute__((noreturn)) void daemon_child(const struct nn_nest_config *cfg,
						   bool detach, int sock, pid_t parent)
{
	struct nn_nest n = { .cfg = *cfg, .up_pid = parent, .detached = detach };
	struct nn_err err = { 0 };
	int r = 0, flags = cfg->rootless ? CLONE_NEWUSER | CLONE_NEWNS : CLONE_NEWNS;
	char c;

	if (detach) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC), log;
		char path[PATH_MAX + 8];

		/* the daemon's log (nn_nest_log()): stderr */
		snprintf(path, sizeof(path), "%s/log", cfg->state_dir);
		log = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		setsid();
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(log >= 0 ? log : null, 2);
			close(null);
		}
		if (log >= 0)
			close(log);
	}
	prctl(PR_SET_NAME, "netnest");
	/* RootlessKit passes what it inherited on to its child (systemd's LISTEN_FDS for
	 * dockerd, say); a nest's daemon keeps none of the caller's descriptors */
	if (!cfg->child)
		nn_close_inherited();
	if (unshare(flags) < 0)
		r = nn_err(&err, errno, "create the %snamespace of nest %s",
			   cfg->rootless ? "user and mount " : "mount ", cfg->name);
	if (r < 0) {
		nn_report_send(sock, r, &err);
		_exit(1);
	}
	if (cfg->rootless) {
		/* "U": unshared, map me; the `up` process answers once the maps are written. */
		if (write(sock, "U", 1) != 1 || read(sock, &c, 1) != 1)
			_exit(1);
	}
	/* After unshare(CLONE_NEWUSER): a credential change clears the parent-death signal
	 * (kernel/cred.c commit_creds), so it is set only now. */
	if (!detach && (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent))
		_exit(1);
	_exit(nn_nestd_run(&n, sock));
}

/* RootlessKit mode: every signal, so that nn_rk_wait() can pass each on to the child */
static void block_signals(bool all)
{
	sigset_t set;

	if (all)
		sigfillset(&set);
	else
		nn_nestd_signals(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/* The `up` side of the map handshake: wait for "U", write the maps, answer "M". */
static int map_daemon(const struct nn_nest_config *cfg, pid_t pid, int sock,
		      struct nn_nest_start *st, struct nn_err *err)
{
	char c;
	ssize_t n;

	/* A 1-byte message is "U"; anything else is the daemon's failure record. */
	do
		n = recv(sock, &c, 1, MSG_PEEK | MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		return nn_report_recv(sock, "nest daemon", err);
	if (read(sock, &c, 1) != 1)
		return nn_err(err, errno, "read from the nest daemon");
	if (nn_userns_map(pid, getuid(), getgid(), cfg->subid_source, st->notice, err) < 0)
		return nn_err_wrap(err, "map the user namespace of the nest daemon");
	if (write(sock, "M", 1) != 1)
		return nn_err(err, errno, "talk to the nest daemon");
	return 0;
}

int nn_nest_start(const struct nn_nest_config *cfg, bool detach, struct nn_nest_start *st,
		  struct nn_err *err)
{
	_cleanup_close_ int dirfd = -1, lock = -1, sock = -1;
	int sp[2], r;
	pid_t parent = getpid(), pid;

	memset(st, 0, sizeof(*st));
	st->sock = -1;
	lock = lock_state_dir(cfg, &dirfd, err);
	if (lock < 0)
		return lock;
	block_signals(cfg->child);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		r = nn_err(err, errno, "socketpair to the daemon of nest %s", cfg->name);
		goto fail;
	}
	sock = sp[0];
	pid = fork();
	if (pid < 0) {
		close(sp[1]);
		r = nn_err(err, errno, "fork the nest daemon");
		goto fail;
	}
	if (pid == 0) {
		close(sp[0]);
		daemon_child(cfg, detach, sp[1], parent);
	}
	close(sp[1]);
	r = cfg->rootless ? map_daemon(cfg, pid, sock, st, err) : 0;
	if (r == 0)
		r = nn_report_recv(sock, "nest daemon", err);
	if (r < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto fail;
	}
	st->daemon_pid = pid;
	if (cfg->child) {
		_cleanup_free_ char *s = NULL;
		unsigned long v;

		if (nn_read_file(dirfd, NN_STATE_CHILD_PID, &s, NULL, NULL) == 0 &&
		    nn_parse_uint(s, 1, INT_MAX, &v) == 0)
			st->child_pid = (pid_t)v;
	}
	if (!detach)
		st->sock = steal_fd(&sock);
	return 0;
fail:
	nn_state_clear(dirfd, false);
	nn_state_remove_dir(cfg->state_dir);
	return r;
}

int nn_nest_wait(struct nn_nest_start *st, struct nn_err *err)
{
	sigset_t set;
	int status;

	nn_nestd_signals(&set);
	for (;;) {
		int sig = sigwaitinfo(&set, NULL);

		if (sig == SIGCHLD) {
			if (waitpid(st->daemon_pid, &status, WNOHANG) == st->daemon_pid)
				break;
		} else if (sig > 0) {
			kill(st->daemon_pid, SIGTERM);
		}
	}
	nn_report_last(st->sock, err);
	if (st->sock >= 0)
		close(st->sock);
	st->sock = -1;
	if (WIFSIGNALED(status))
		nn_errx(err, EIO, "the nest daemon (pid %d) was killed by signal %d (%s)",
			(int)st->daemon_pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/*
 * take_lock() - the lock of a state dir left by a daemon that is gone, on fd @dfd, if no
 * one else holds it (an `up` starting on this dir); -1 if not.  A nest that stopped
 * itself (@stopped) holds it until its daemon exits, just after its teardown: that is
 * waited for, up to 2 s.
 */
static int take_lock(int dfd, bool stopped)
{
	_cleanup_close_ int lock = dfd >= 0 ? openat(dfd, "lock", O_RDWR | O_CLOEXEC) : -1;

	for (int i = 0; lock >= 0; i++) {
		if (flock(lock, LOCK_EX | LOCK_NB) == 0)
			return steal_fd(&lock);
		if (!stopped || i == 200 || errno != EWOULDBLOCK)
			break;
		usleep(10000);
	}
	return -1;
}

/*
 * down of a nest whose daemon is gone (SIGKILL, a crash) or had to be killed (@killed: it
 * did not stop within STOP_TIMEOUT_MS): do what its teardown would have done to what is
 * left, if no one else holds the lock (an `up` starting on this dir).  A detached nest
 * that stopped itself left its log and why (state.h NN_STATE_STOPPED): that is said.
 */
static int collect_stale(const char *name, const char *state_dir, bool killed_it,
			 struct nn_err *err)
{
	_cleanup_close_ int dfd = -1, lock = -1;
	_cleanup_free_ char *pid = NULL;
	struct nn_state_stopped rec;
	bool stopped = nn_state_stopped_read(state_dir, &rec) == 0, said_stopped;
	char left[64] = "";
	int killed;

	dfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	lock = take_lock(dfd, stopped);
	if (lock < 0)
		return nn_state_not_running(name, state_dir, err);
	if (nn_read_file(dfd, NN_STATE_CHILD_PID, &pid, NULL, NULL) < 0)
		pid = NULL;
	killed = kill_stale_sandboxes(dfd, state_dir);
	nn_state_clear(dfd, false);
	nn_state_remove_dir(state_dir);
	/* what went with it, before its log (a nest that stopped itself) or its state dir */
	said_stopped = stopped && !killed_it;
	if (killed || !said_stopped)
		snprintf(left, sizeof(left), "what it left: %d sandbox%s%s", killed,
			 killed == 1 ? "" : "es", said_stopped ? ", " : " and ");
	if (said_stopped)
		nn_errx(err, ESRCH, "nest %s was not running: it stopped at %s: %s; removed %sits "
			"log and state dir %s", name, rec.when, rec.why, left, state_dir);
	else if (killed_it)
		nn_errx(err, ETIMEDOUT, "nest %s: its daemon (pid %s) did not stop within %d s "
			"and was killed; removed %sstate dir %s", name, pid ? pid : "?",
			STOP_TIMEOUT_MS / 1000, left, state_dir);
	else
		nn_errx(err, ESRCH, "nest %s was not running (daemon pid %s is gone); removed "
			"%sstate dir %s", name, pid ? pid : "?", left, state_dir);
	return 1; /* a notice, not a failure */
}

int nn_nest_stop(const char *name, const char *state_dir, pid_t *pidp, struct nn_err *err)
{
	char comm[NN_PROC_COMM_MAX];
	_cleanup_close_ int pidfd = -1;
	pid_t pid;
	int r = nn_state_child_pid(state_dir, &pid, err);

	if (r == -ESRCH)
		return collect_stale(name, state_dir, false, err);
	if (r == -ENOENT && nn_state_stopped_read(state_dir, &(struct nn_state_stopped){ 0 }) == 0)
		return collect_stale(name, state_dir, false, err); /* it stopped itself */
	if (r == -ENOENT)
		return nn_state_not_running(name, state_dir, err);
	if (r < 0)
		return r;
	if (nn_proc_comm(pid, comm, sizeof(comm), NULL) < 0 || strcmp(comm, "netnest"))
		return nn_errx(err, ESRCH,
			       "stop nest %s: pid %d in %s/child_pid is not a netnest daemon", name,
			       pid, state_dir);
	pidfd = nn_pidfd_open(pid);
	if (pidfd < 0)
		return nn_err(err, errno, "stop nest %s: pidfd_open(%d)", name, pid);
	if (pidp)
		*pidp = pid;
	r = nn_pidfd_terminate(pidfd, STOP_TIMEOUT_MS, STOP_TIMEOUT_MS);
	if (r == -ETIMEDOUT)
		return nn_err(err, ETIMEDOUT,
			      "stop nest %s: the daemon (pid %d) did not exit %d s "
			      "after SIGTERM nor %d s after SIGKILL",
			      name, pid, STOP_TIMEOUT_MS / 1000, STOP_TIMEOUT_MS / 1000);
	if (r < 0)
		return nn_err(err, -r, "stop nest %s: signal pid %d", name, pid);
	/* SIGKILLed (stopped, or stuck): its teardown never ran */
	if (r)
		return collect_stale(name, state_dir, true, err);
	/* it was stopping itself already (its engine died), and left why */
	if (nn_state_stopped_read(state_dir, &(struct nn_state_stopped){ 0 }) == 0)
		return collect_stale(name, state_dir, false, err);
	return 0;
}
