// SPDX-License-Identifier: GPL-2.0-or-later
/* topo_role.c - why each netns exists: host, nest, sandbox, RootlessKit, container */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "proc.h"
#include "state.h"
#include "topo_internal.h"
#include "util.h"

static const char *const role_names[] = {
	[NN_ROLE_NETNS] = "netns",
	[NN_ROLE_HOST] = "host",
	[NN_ROLE_RK_CHILD] = "rootlesskit-child",
	[NN_ROLE_ENGINE_NETNS] = "engine-netns",
	[NN_ROLE_NEST] = "nest",
	[NN_ROLE_SANDBOX] = "sandbox",
	[NN_ROLE_NEST_POOL] = "nest-pool",
	[NN_ROLE_PODMAN] = "podman-rootless-netns",
	[NN_ROLE_CONTAINER] = "container",
};

const char *nn_topo_role_name(enum nn_topo_role r)
{
	return (size_t)r < ARRAY_SIZE(role_names) ? role_names[r] : "netns";
}

/* set the role of the netns that nsfs path @path names (stat(2) gives its identity) */
static void set_role_path(struct nn_topo *t, const char *path, enum nn_topo_role role,
			  const char *label)
{
	struct stat st;
	ssize_t i;

	if (stat(path, &st) < 0) {
		if (errno != ENOENT)
			nn_topo_add_gap(t, errno, "role: %s", path);
		return;
	}
	i = nn_topo_find_ns(t, (struct nn_nsid){ .dev = st.st_dev, .ino = st.st_ino });
	if (i < 0)
		return;
	t->netns[i].role = role;
	snprintf(t->netns[i].label, sizeof(t->netns[i].label), "%s", label);
}

/* label the netns of one live sandbox of a nest (nn_state_sandboxes()) */
static int label_sandbox(const struct nn_sandbox_rec *rec, void *arg)
{
	char path[64], label[96];

	if (nn_state_sandbox_live(rec)) {
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)rec->pid);
		snprintf(label, sizeof(label), "sandbox %s%s", rec->name,
			 rec->bypass ? " (bypass)" : "");
		set_role_path(arg, path, NN_ROLE_SANDBOX, label);
	}
	return 0;
}

/*
 * label the netns the daemon @pid of nest @name holds by fd alone, ready for its next
 * sandboxes (pool.h): those no other rule named, read from /proc/PID/fd (proc(5))
 */
static void label_pool(struct nn_topo *t, pid_t pid, const char *name)
{
	char dir[64], path[96], link[64], label[96];
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	struct stat st;
	ssize_t i, n;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	snprintf(label, sizeof(label), "pool of nest %s", name);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0 || (link[n] = '\0', strncmp(link, "net:[", 5)) || stat(path, &st) < 0)
			continue;
		i = nn_topo_find_ns(t, (struct nn_nsid){ .dev = st.st_dev, .ino = st.st_ino });
		if (i >= 0 && t->netns[i].role == NN_ROLE_NETNS) {
			t->netns[i].role = NN_ROLE_NEST_POOL;
			snprintf(t->netns[i].label, sizeof(t->netns[i].label), "%s", label);
		}
	}
}

/* netnest state dirs, as root and of every user (state.h) */
static void nests(struct nn_topo *t)
{
	static const char *const pats[] = { "/run/netnest/*", "/run/user/*/netnest/*" };
	char path[PATH_MAX * 2], label[96];
	pid_t pid;
	glob_t g;

	for (size_t p = 0; p < ARRAY_SIZE(pats); p++) {
		if (glob(pats[p], GLOB_ONLYDIR, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc; i++) {
			const char *dir = g.gl_pathv[i];

			if (nn_state_child_pid(dir, &pid, NULL) < 0)
				continue;
			/* the nsfs bind mount exists only in the daemon's mount ns */
			snprintf(path, sizeof(path), "/proc/%d/root%s/netns", (int)pid, dir);
			snprintf(label, sizeof(label), "nest %s", strrchr(dir, '/') + 1);
			set_role_path(t, path, NN_ROLE_NEST, label);
			nn_state_sandboxes(dir, label_sandbox, t);
			label_pool(t, pid, strrchr(dir, '/') + 1);
		}
		globfree(&g);
	}
}

/* is @pid running the executable named @name? (its comm is "exe" after RootlessKit's
 * re-exec of /proc/self/exe, so ask for /proc/PID/exe) */
static bool pid_runs(pid_t pid, const char *name)
{
	char target[PATH_MAX];
	const char *base;

	if (nn_proc_exe(pid, target, sizeof(target), NULL) < 0)
		return false;
	base = strrchr(target, '/');
	return !strcmp(base ? base + 1 : target, name);
}

/*
 * A detached netns kept by an nsfs bind mount at <dir>/netns in another mount ns, next to
 * <dir>/child_pid: RootlessKit 2's $STATE (docs/facts-rootlesskit.md#detached-netns), or
 * netnest rootlesskit --detach-netns's, or a netnest state dir that the nests() glob did
 * not cover ($NETNEST_STATE_DIR): nn_state_kind() tells them apart.  Seen through the root
 * of the process the mount was read through.  Return: the role, or NN_ROLE_NETNS; @label
 * gets "nest <name>" for a nest.
 */
static enum nn_topo_role state_netns(const struct nn_holder *h, char *label, size_t len)
{
	char dir[PATH_MAX + 64];
	const char *slash, *base;
	int n;

	if (h->kind != NN_HOLD_BINDMOUNT || !h->path)
		return NN_ROLE_NETNS;
	slash = strrchr(h->path, '/');
	if (!slash || strcmp(slash, "/netns"))
		return NN_ROLE_NETNS;
	n = (int)(slash - h->path);
	snprintf(dir, sizeof(dir), "/proc/%d/root%.*s", (int)h->pid, n, h->path);
	switch (nn_state_kind(dir)) {
	case NN_STATE_NONE:
		return NN_ROLE_NETNS;
	case NN_STATE_ROOTLESSKIT:
		return NN_ROLE_RK_CHILD;
	case NN_STATE_NEST:
		break;
	}
	base = memrchr(h->path, '/', n);
	base = base ? base + 1 : h->path;
	snprintf(label, len, "nest %.*s", (int)(h->path + n - base), base);
	return NN_ROLE_NEST;
}

/*
 * Is @n the netns of a RootlessKit's child that has a netns of its own (RootlessKit 1's
 * way; netnest rootlesskit without --detach-netns)?  Found through the state dir the
 * child's command was given in $ROOTLESSKIT_STATE_DIR (state.h): taken only when it is a
 * directory of the process's own user (so no one points the inspector at another's files),
 * is RootlessKit's (nn_state_kind()), and its live child_pid lives in @n.
 */
static bool rk_child_netns(const struct nn_topo_netns *n)
{
	char dir[PATH_MAX], path[64];
	struct stat proc, st;
	pid_t child;

	for (size_t i = 0; i < n->ns->npids; i++) {
		pid_t pid = n->ns->pids[i];

		if (nn_proc_getenv(pid, NN_STATE_RK_ENV, dir, sizeof(dir), NULL) < 0 ||
		    dir[0] != '/')
			continue;
		snprintf(path, sizeof(path), "/proc/%d", (int)pid);
		if (stat(path, &proc) < 0 || stat(dir, &st) < 0 || !S_ISDIR(st.st_mode) ||
		    st.st_uid != proc.st_uid || nn_state_kind(dir) != NN_STATE_ROOTLESSKIT ||
		    nn_state_child_pid(dir, &child, NULL) < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)child);
		if (stat(path, &st) == 0 && st.st_dev == n->ns->id.dev &&
		    st.st_ino == n->ns->id.ino)
			return true;
	}
	return false;
}

/* roles seen from inside one netns: its processes, bind mounts, taps, default route */
static enum nn_topo_role seen_role(const struct nn_topo *t, const struct nn_topo_netns *n,
				   char *label, size_t len)
{
	const struct nn_topo_link *d = nn_topo_default_link(n), *p;

	for (size_t i = 0; i < n->ns->nholders; i++) {
		enum nn_topo_role r;

		if (n->ns->holders[i].kind == NN_HOLD_BINDMOUNT && n->ns->holders[i].path &&
		    strstr(n->ns->holders[i].path, "rootless-netns"))
			return NN_ROLE_PODMAN;
		r = state_netns(&n->ns->holders[i], label, len);
		if (r != NN_ROLE_NETNS)
			return r;
	}
	for (size_t i = 0; i < n->ns->npids; i++)
		if (pid_runs(n->ns->pids[i], "rootlesskit"))
			return NN_ROLE_RK_CHILD;
	if (rk_child_netns(n))
		return NN_ROLE_RK_CHILD;
	for (size_t i = 0; i < n->nlinks; i++)
		for (size_t h = 0; h < n->links[i].nholders; h++)
			if (!strcmp(n->links[i].holders[h].comm, "slirp4netns") ||
			    !strcmp(n->links[i].holders[h].comm, "pasta") ||
			    /* pasta re-executes itself as passt.avx2 where AVX2 runs (passt.c) */
			    !strcmp(n->links[i].holders[h].comm, "passt.avx2"))
				return NN_ROLE_ENGINE_NETNS;
	if (d && d->peer_ns >= 0 &&
	    (p = nn_topo_find_link(t, (size_t)d->peer_ns, NULL, d->peer_ifindex)) && p->master)
		return NN_ROLE_CONTAINER;
	return NN_ROLE_NETNS;
}

void nn_topo_roles(struct nn_topo *t)
{
	for (size_t i = 0; i < t->n; i++)
		t->netns[i].role = t->netns[i].ns->initial ? NN_ROLE_HOST : NN_ROLE_NETNS;
	nests(t);
	for (size_t i = 0; i < t->n; i++) {
		struct nn_topo_netns *n = &t->netns[i];

		if (n->role == NN_ROLE_NETNS)
			n->role = seen_role(t, n, n->label, sizeof(n->label));
		if (!*n->label)
			snprintf(n->label, sizeof(n->label), "%s", nn_topo_role_name(n->role));
	}
}
