// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nestd.c - the nest daemon: detached netns, tap0, bridge, NAT, engine, the services (ports,
 * sandboxes, the API that routes to them), its signals, and the teardown of all of it
 * (see nest.h, docs/design.md#the-nest, docs/facts-rootlesskit.md#detached-netns).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include "api.h"
#include "api_ports.h"
#include "engine.h"
#include "nat.h"
#include "nest.h"
#include "portfwd.h"
#include "report.h"
#include "rtnl.h"
#include "sandbox.h"
#include "state.h"
#include "util.h"

/* What the daemon has made so far, undone in reverse by nestd_teardown(). */
struct nestd {
	struct nn_nest *n;
	int tap_fd;
	int engine_report; /* until nn_engine_ready() */
	bool netns_mounted, services;
	char netns_path[PATH_MAX + 8];
};

/*
 * In a thread (nn_netns_call()): unshare(CLONE_NEWNET) and bind the thread's new netns
 * onto the placeholder, like RootlessKit's "unshare -n mount --bind /proc/self/ns/net"
 * child; the daemon itself never leaves the host netns.
 */
static int netns_here(void *arg, struct nn_err *err)
{
	struct nestd *d = arg;

	if (unshare(CLONE_NEWNET) < 0)
		return nn_err(err, errno, "create the detached netns of nest %s", d->n->cfg.name);
	d->n->nest_netns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (d->n->nest_netns < 0)
		return nn_err(err, errno, "open /proc/thread-self/ns/net");
	if (mount("/proc/thread-self/ns/net", d->netns_path, NULL, MS_BIND, NULL) < 0)
		return nn_err(err, errno, "bind-mount the nest's netns on %s", d->netns_path);
	d->netns_mounted = true;
	return 0;
}

static int make_netns(struct nestd *d, struct nn_err *err)
{
	_cleanup_close_ int ph = -1;

	snprintf(d->netns_path, sizeof(d->netns_path), "%s/netns", d->n->cfg.state_dir);
	ph = open(d->netns_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400);
	if (ph < 0)
		return nn_err(err, errno, "create netns placeholder %s", d->netns_path);
	return nn_netns_call(-1, "new", netns_here, d, err);
}

/* Open /dev/net/tun inside the nest's netns: the tap is made where the opener is. */
static int open_tap(void *arg, struct nn_err *err)
{
	struct nestd *d = arg;
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	_cleanup_close_ int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return nn_err(err, errno, "open /dev/net/tun");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", d->n->cfg.tap);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		return nn_err(err, errno, "create tap %s with /dev/net/tun (TUNSETIFF)",
			      d->n->cfg.tap);
	/*
	 * Persistent, so the engine's exit does not unregister tap0 itself (about 25 ms of
	 * RCU waits in its exit, on `down`'s path); the device goes with the netns, which the
	 * kernel tears down in the background (drivers/net/tun.c tun_detach, TUNSETPERSIST;
	 * net/core/dev.c default_device_exit_batch).
	 */
	if (ioctl(fd, TUNSETPERSIST, 1) < 0)
		return nn_err(err, errno, "make tap %s persistent (TUNSETPERSIST)", d->n->cfg.tap);
	d->tap_fd = steal_fd(&fd);
	return 0;
}

/* /proc/sys/net is the netns of the opener (net/sysctl_net.c net_ctl_header_lookup). */
static int enable_forwarding(void *arg, struct nn_err *err)
{
	static const char path[] = "/proc/sys/net/ipv4/ip_forward";
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

	(void)arg;
	if (fd < 0 || write(fd, "1\n", 2) != 2)
		return nn_err(err, errno, "enable IPv4 forwarding in the nest's netns (%s)", path);
	return 0;
}

/* lo, tap0 (MTU, address, up, default route), the bridge, forwarding, NAT. */
static int make_links(struct nestd *d, struct nn_err *err)
{
	const struct nn_nest_config *c = &d->n->cfg;
	char label[96];
	struct nn_rtnl r __attribute__((cleanup(nn_rtnl_close))) = { 0 };
	int ret;

	snprintf(label, sizeof(label), "nest %s", c->name);
	ret = nn_rtnl_open(&r, d->n->nest_netns, label, err);
	if (ret == 0)
		ret = nn_rtnl_link_up(&r, "lo", err);
	if (ret == 0)
		ret = nn_netns_call(d->n->nest_netns, label, open_tap, d, err);
	if (ret == 0)
		ret = nn_rtnl_link_set_mtu(&r, c->tap, c->mtu, err);
	if (ret == 0)
		ret = nn_rtnl_addr_add(&r, c->tap, c->tap_ip, c->cidr.prefix, err);
	if (ret == 0)
		ret = nn_rtnl_link_up(&r, c->tap, err);
	if (ret == 0)
		ret = nn_rtnl_route_add_default(&r, c->gateway, c->tap, err);
	if (ret == 0)
		ret = nn_rtnl_bridge_add(&r, c->bridge, c->mtu, err);
	if (ret == 0)
		ret = nn_rtnl_addr_add(&r, c->bridge, c->bridge_ip, c->subnet.prefix, err);
	if (ret == 0)
		ret = nn_rtnl_link_up(&r, c->bridge, err);
	if (ret == 0)
		ret = nn_netns_call(d->n->nest_netns, label, enable_forwarding, d, err);
	return ret;
}

/* hosts: the host's /etc/hosts + this host's name on 127.0.0.1 and ::1 (RootlessKit). */
static int write_hosts(struct nn_nest *n, struct nn_err *err)
{
	_cleanup_free_ char *etc = NULL, *buf = NULL;
	char host[256] = "localhost";
	size_t len = 0;
	int r;

	if (nn_read_file(AT_FDCWD, "/etc/hosts", &etc, &len, NULL) < 0)
		len = 0;
	gethostname(host, sizeof(host) - 1);
	r = asprintf(&buf, "%.*s%s127.0.0.1 %s\n::1 %s\n", (int)len, etc ? etc : "",
		     len && etc[len - 1] != '\n' ? "\n" : "", host, host);
	if (r < 0) {
		buf = NULL;
		return nn_err(err, ENOMEM, "write %s/hosts", n->cfg.state_dir);
	}
	return nn_write_file(n->state_fd, "hosts", 0644, buf, r, err);
}

static int write_state_files(struct nn_nest *n, struct nn_err *err)
{
	char buf[64], dns[INET_ADDRSTRLEN];
	int len, r;

	inet_ntop(AF_INET, &n->cfg.dns, dns, sizeof(dns));
	len = snprintf(buf, sizeof(buf), "nameserver %s\n", dns);
	r = nn_write_file(n->state_fd, "resolv.conf", 0644, buf, len, err);
	if (r == 0)
		r = write_hosts(n, err);
	if (r == 0) {
		len = snprintf(buf, sizeof(buf), "%d", (int)n->engine_pid);
		r = nn_write_file(n->state_fd, "engine_pid", 0444, buf, len, err);
	}
	return r;
}

void nn_nestd_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGCHLD);
}

/*
 * The services: the port driver, the sandbox service, then the API server that routes
 * to them (api.h), so nothing is asked of a service before it runs.  The calling thread is
 * in the host netns (the daemon's main thread).  On failure everything started is stopped
 * again and n->svc is NULL.
 */
static int services_start(struct nn_nest *n, struct nn_err *err)
{
	static const struct nn_api_route *const routes[] = {
		nn_api_ports_routes, nn_sandbox_routes, NULL,
	};
	int r;

	n->svc = calloc(1, sizeof(*n->svc));
	if (!n->svc)
		return nn_err(err, ENOMEM, "start the nest's services");
	/* splice(2) into a socket the peer closed raises SIGPIPE (it has no MSG_NOSIGNAL) */
	signal(SIGPIPE, SIG_IGN);
	r = nn_ports_init(n, err);
	if (r < 0)
		goto fail;
	r = nn_sandboxes_init(n, err);
	if (r < 0)
		goto fail_ports;
	r = nn_api_start(n, routes, err);
	if (r < 0)
		goto fail_sandboxes;
	return 0;
fail_sandboxes:
	nn_sandboxes_stop_all(n);
fail_ports:
	nn_ports_stop(n);
fail:
	free(n->svc);
	n->svc = NULL;
	return r;
}

/* the API first (no new request), then every sandbox, then every published port */
static void services_stop(struct nn_nest *n)
{
	if (!n->svc)
		return;
	nn_api_stop(n);
	nn_sandboxes_stop_all(n);
	nn_ports_stop(n);
	free(n->svc);
	n->svc = NULL;
}

static void nestd_teardown(struct nestd *d)
{
	struct nn_nest *n = d->n;

	if (d->services)
		services_stop(n);
	d->services = false;
	if (d->engine_report >= 0)
		close(d->engine_report);
	d->engine_report = -1;
	nn_engine_stop(n->engine_pid);
	n->engine_pid = 0;
	/* No nft delete: the table lives in the nest's netns and goes with it once the
	 * placeholder is unmounted and the last fd closed (nf_tables_exit_net()). */
	if (d->tap_fd >= 0)
		close(d->tap_fd);
	d->tap_fd = -1;
	if (d->netns_mounted)
		umount2(d->netns_path, MNT_DETACH);
	d->netns_mounted = false;
	if (n->nest_netns >= 0)
		close(n->nest_netns);
	n->nest_netns = -1;
	nn_state_clear(n->state_fd, false);
	nn_state_remove_dir(n->cfg.state_dir);
	if (n->state_fd >= 0)
		close(n->state_fd);
	if (n->host_netns >= 0)
		close(n->host_netns);
	n->state_fd = n->host_netns = -1;
}

static int nestd_start(struct nestd *d, struct nn_err *err)
{
	struct nn_nest *n = d->n;
	char buf[32];
	int r, len;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return nn_err(err, errno, "make / private in the nest's mount namespace");
	n->state_fd = open(n->cfg.state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (n->state_fd < 0)
		return nn_err(err, errno, "open state dir %s", n->cfg.state_dir);
	n->host_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (n->host_netns < 0)
		return nn_err(err, errno, "open the host netns");
	r = make_netns(d, err);
	if (r == 0)
		r = make_links(d, err);
	/* The engine sets itself up (sandbox, libslirp) while the NAT table is made. */
	if (r == 0)
		r = nn_engine_spawn(&n->cfg, d->tap_fd, &n->engine_pid, &d->engine_report, err);
	if (r == 0) {
		/* the engine holds tap0 now: one holder, as slirp4netns is (topo shows holders) */
		close(d->tap_fd);
		d->tap_fd = -1;
		r = nn_nat_add(n->nest_netns, &n->cfg, err);
	}
	if (r == 0) {
		r = nn_engine_ready(n->engine_pid, steal_fd(&d->engine_report), err);
		if (r < 0)
			n->engine_pid = 0; /* stopped and reaped by nn_engine_ready() */
	}
	if (r == 0)
		r = write_state_files(n, err);
	if (r == 0) {
		r = services_start(n, err);
		d->services = r == 0;
	}
	if (r == 0) {
		len = snprintf(buf, sizeof(buf), "%d", (int)getpid());
		r = nn_write_file(n->state_fd, "child_pid", 0444, buf, len, err);
	}
	return r;
}

/* Serve until a stop signal or the engine's death. */
static void nestd_serve(struct nn_nest *n)
{
	sigset_t set;
	_cleanup_close_ int sfd = -1;

	nn_nestd_signals(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		return;
	for (;;) {
		struct signalfd_siginfo si;

		if (read(sfd, &si, sizeof(si)) != sizeof(si)) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (si.ssi_signo != SIGCHLD)
			return;
		/* Only the engine is ours to reap; the services wait for their own. */
		if (waitpid(n->engine_pid, NULL, WNOHANG) == n->engine_pid) {
			n->engine_pid = 0;
			return;
		}
	}
}

int nn_nestd_run(struct nn_nest *n, int report_fd)
{
	struct nestd d = { .n = n, .tap_fd = -1, .engine_report = -1 };
	struct nn_err err = { 0 };
	int r;

	n->state_fd = n->host_netns = n->nest_netns = -1;
	n->engine_pid = 0;
	r = nestd_start(&d, &err);
	if (r < 0) {
		nestd_teardown(&d);
		nn_report_send(report_fd, r, &err);
		close(report_fd);
		return 1;
	}
	nn_report_send(report_fd, 0, NULL);
	close(report_fd);
	nestd_serve(n);
	nestd_teardown(&d);
	return 0;
}
