/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_NEST_H
#define NN_NEST_H

/*
 * The nest: a rootless container network stack in the shape of RootlessKit --detach-netns
 * + slirp4netns (DESIGN.md sections 1-3, reference/rootlesskit.md section 2).
 *
 *   `netnest up` process  --clone(NEWUSER|NEWNS)-->  nest daemon ("child", child_pid)
 *                                                      host netns, nest userns + mntns
 *                                                      |-- detached netns ($STATE/netns)
 *                                                      |     tap0, netnest0, nft table
 *                                                      |-- engine process (libslirp, tap fd)
 *                                                      `-- services: API, ports, sandboxes
 */

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <sys/types.h>

#include "err.h"
#include "netaddr.h"

struct nn_nest_config {
	char name[65];           /* nest name, default "default" */
	char state_dir[PATH_MAX];
	struct nn_cidr cidr;     /* tap network, default 10.0.2.0/24 (--cidr) */
	struct in_addr tap_ip;   /* cidr + 100 */
	struct in_addr gateway;  /* cidr + 2, inside the engine */
	struct in_addr dns;      /* cidr + 3, inside the engine */
	struct nn_cidr subnet;   /* bridge network, default 10.4.0.0/24 (--subnet) */
	struct in_addr bridge_ip;/* bridge gateway, default subnet + 1 (--gateway) */
	unsigned mtu;            /* tap, bridge and veth MTU, default 65520 (--mtu) */
	bool allow_host_loopback;/* gateway reaches the host's 127.0.0.1 */
	bool rootless;           /* euid != 0: user namespace */
	char tap[IFNAMSIZ];      /* "tap0" */
	char bridge[IFNAMSIZ];   /* "netnest0" */
};

struct nn_services; /* sandboxes, ports and the API server: api.h */

/* The live nest, inside the daemon. */
struct nn_nest {
	struct nn_nest_config cfg;
	int state_fd;            /* O_DIRECTORY fd of cfg.state_dir */
	int host_netns;          /* nsfs fd of the host netns (the daemon's own) */
	int nest_netns;          /* nsfs fd of the detached netns */
	pid_t engine_pid;
	struct nn_services *svc; /* owned by api.c: nn_services_start()/stop() */
};

/**
 * nn_nest_config_default() - the defaults of DESIGN.md section 3 for nest @name
 * Return: 0, or an error if the state dir cannot be resolved (see nn_state_dir()).
 */
int nn_nest_config_default(struct nn_nest_config *cfg, const char *name, struct nn_err *err);

#endif
