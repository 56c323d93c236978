// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmd_ns.c - `netnest ns`: the namespaces of processes, explained (the seed's
 * `ls -la /proc/PID/ns`, with what each link means), and `netnest ls`: every namespace on
 * the machine and what keeps it alive (lsns, extended as docs/design.md#the-inspector says).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "lib/inspect/discover.h"
#include "lib/inspect/enter.h"
#include "lib/core/ns.h"
#include "lib/core/out.h"
#include "lib/core/proc.h"
#include "lib/core/state.h"
#include "lib/core/util.h"

/* The links of /proc/PID/ns in the order `ls` shows them (namespaces(7)). */
static const struct {
	const char *kind;
	enum nn_ns_type type;
	const char *what;  /* what a namespace of this type isolates */
	bool children;     /* *_for_children: where the next children go */
} kinds[] = {
	{ "cgroup", NN_NS_CGROUP, "cgroup root (its view of the cgroup tree)", false },
	{ "ipc", NN_NS_IPC, "System V IPC objects and POSIX message queues", false },
	{ "mnt", NN_NS_MNT, "mount table (which filesystem is at which path)", false },
	{ "net", NN_NS_NET, "interfaces, addresses, routes, firewall rules and sockets", false },
	{ "pid", NN_NS_PID, "process IDs", false },
	{ "pid_for_children", NN_NS_PID, "pid namespace of its next children", true },
	{ "time", NN_NS_TIME, "clock offsets (CLOCK_MONOTONIC, CLOCK_BOOTTIME)", false },
	{ "time_for_children", NN_NS_TIME, "time namespace of its next children", true },
	{ "user", NN_NS_USER, "user and group IDs and capabilities (and it owns the other namespaces)",
	  false },
	{ "uts", NN_NS_UTS, "hostname and NIS domain name", false },
};

/* utf8_len() - the length of the valid UTF-8 sequence at @p, 0 if there is none */
static size_t utf8_len(const unsigned char *p)
{
	size_t n = *p >= 0xf0 && *p <= 0xf4 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc2 ? 2 : 0;

	if (*p >= 0xf5)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* overlong 3- and 4-byte forms, surrogates, past U+10FFFF */
	if ((n == 3 && ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0))) ||
	    (n == 4 && ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))))
		return 0;
	return n;
}

/*
 * safe_copy() - @s into @buf with control characters and bytes that are not UTF-8 as
 * \xNN (lsns does the same): a command line is any bytes, JSON must be UTF-8, and a
 * terminal must not get escape sequences from it
 */
static void safe_copy(char *buf, size_t len, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	while (*p && o + 5 < len) {
		size_t n = *p < 0x80 ? (*p >= 0x20 && *p != 0x7f) : utf8_len(p);

		if (n == 0) {
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", *p++);
			continue;
		}
		memcpy(buf + o, p, n);
		o += n;
		p += n;
	}
	buf[o] = '\0';
}

/* proc_command() - /proc/PID/cmdline with spaces, else comm, else "?" */
static void proc_command(pid_t pid, char *buf, size_t len)
{
	_cleanup_free_ char *s = NULL;
	char comm[NN_PROC_COMM_MAX];

	if (nn_proc_cmdline(pid, &s, NULL) == 0)
		safe_copy(buf, len, s);
	else if (nn_proc_comm(pid, comm, sizeof(comm), NULL) == 0)
		safe_copy(buf, len, comm);
	else
		snprintf(buf, len, "?");
}

/*
 * Output goes to memory first, so a failure half-way prints only the error, never half a
 * JSON document.
 */
struct outbuf {
	FILE *f;
	char *data;
	size_t len;
};

static struct nn_out *buffered_out(struct outbuf *b, bool json)
{
	struct nn_out *o;

	memset(b, 0, sizeof(*b));
	b->f = open_memstream(&b->data, &b->len);
	if (!b->f)
		return NULL;
	o = nn_out_new(b->f, json);
	if (!o) {
		fclose(b->f);
		free(b->data);
	}
	return o;
}

/* buffered_finish() - print the buffer if @err is NULL, else only the error */
static int buffered_finish(struct outbuf *b, struct nn_out *o, const struct nn_err *err)
{
	int r = nn_out_finish(o);

	fclose(b->f);
	if (!err && r == 0 && fwrite(b->data, 1, b->len, stdout) != b->len)
		r = -EIO;
	free(b->data);
	if (err)
		return nn_fail(err);
	return r < 0 ? EXIT_FAIL : 0;
}

/* the explanation of one namespace link */
static void explain(char *buf, size_t len, size_t k, bool initial, uint64_t ino,
		    uint64_t own_ino, uint64_t userns, uid_t uid, uid_t creator)
{
	char owner[96] = "";

	/* a user namespace's owner is its parent; what a reader wants is who made it */
	if (kinds[k].type == NN_NS_USER) {
		if (creator != (uid_t)-1)
			snprintf(owner, sizeof(owner), ", made by uid %u", (unsigned)creator);
		if (userns)
			snprintf(owner + strlen(owner), sizeof(owner) - strlen(owner),
				 " in user:[%llu]", (unsigned long long)userns);
	} else if (userns && uid != (uid_t)-1)
		snprintf(owner, sizeof(owner), ", owned by user:[%llu] (uid %u)",
			 (unsigned long long)userns, (unsigned)uid);
	else if (userns)
		snprintf(owner, sizeof(owner), ", owned by user:[%llu]", (unsigned long long)userns);
	if (kinds[k].children && ino == own_ino)
		snprintf(buf, len, "%s: the same as its own %s", kinds[k].what,
			 nn_ns_type_name(kinds[k].type));
	else if (kinds[k].children)
		snprintf(buf, len, "%s: differs from its own %s, so its next child gets %s:[%llu]",
			 kinds[k].what, nn_ns_type_name(kinds[k].type),
			 nn_ns_type_name(kinds[k].type), (unsigned long long)ino);
	else if (initial)
		snprintf(buf, len, "shared with the host: %s", kinds[k].what);
	else
		snprintf(buf, len, "its own, separate from the host: %s%s", kinds[k].what, owner);
}

/* print_ns_row() - one namespace (@fd open on it) as a row; @k indexes kinds[] */
static void print_ns_row(struct nn_out *o, size_t k, const char *label, int fd,
			 uint64_t own_ino, int open_errno)
{
	struct stat st;
	uint64_t userns = 0;
	uid_t uid = (uid_t)-1, creator;
	char why[512];
	bool initial;

	nn_out_open_object(o, NULL);
	nn_out_string(o, "kind", "%-18s", label);
	nn_out_string(o, "type", NULL, nn_ns_type_name(kinds[k].type));
	if (fd < 0 || fstat(fd, &st) < 0) {
		nn_out_null(o, "ns", "%-11s");
		nn_out_null(o, "initial", " %-4s");
		nn_out_null(o, "userns", " %-11s");
		nn_out_null(o, "owner_uid", " %-5s");
		if (kinds[k].children && (open_errno == ENOENT || open_errno == 0))
			snprintf(why, sizeof(why), "empty: %s is set when the first child is "
				 "created", label);
		else
			snprintf(why, sizeof(why), "not readable: %s", strerror(open_errno));
		nn_out_string(o, "explanation", " %s\n", why);
		nn_out_close(o);
		return;
	}
	initial = nn_ns_is_initial(kinds[k].type, (struct nn_nsid){ st.st_dev, st.st_ino });
	nn_ns_owner(fd, &userns, &uid, NULL);
	if (kinds[k].type != NN_NS_USER || nn_userns_creator(fd, &creator) < 0)
		creator = (uid_t)-1;
	explain(why, sizeof(why), k, initial, st.st_ino, own_ino, userns, uid, creator);
	nn_out_uint(o, "ns", "%-11llu", st.st_ino);
	nn_out_bool(o, "initial", " %-4s", initial);
	if (userns)
		nn_out_uint(o, "userns", " %-11llu", userns);
	else
		nn_out_null(o, "userns", " %-11s");
	if (uid != (uid_t)-1)
		nn_out_uint(o, "owner_uid", " %-5llu", uid);
	else
		nn_out_null(o, "owner_uid", " %-5s");
	nn_out_string(o, "explanation", " %s\n", why);
	nn_out_close(o);
}

static void print_header(struct nn_out *o)
{
	nn_out_text(o, "%-18s%-11s %-4s %-11s %-5s %s\n", "KIND", "NS", "HOST", "USERNS", "UID",
		    "EXPLANATION");
}

/* show_pid() - every link of /proc/@pid/ns */
static int show_pid(struct nn_out *o, pid_t pid, struct nn_err *err)
{
	char dir[64], cmd[256];
	uint64_t own[NN_NS_NTYPES] = { 0 };
	int fds[ARRAY_SIZE(kinds)], errs[ARRAY_SIZE(kinds)];

	snprintf(dir, sizeof(dir), "/proc/%d/ns", (int)pid);
	if (access(dir, F_OK) < 0)
		return nn_err(err, ESRCH, "show namespaces of pid %d: no such process", (int)pid);
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		char path[96];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, kinds[k].kind);
		fds[k] = open(path, O_RDONLY | O_CLOEXEC);
		errs[k] = fds[k] < 0 ? errno : 0;
		if (fds[k] >= 0 && !kinds[k].children && fstat(fds[k], &st) == 0)
			own[kinds[k].type] = st.st_ino;
	}
	proc_command(pid, cmd, sizeof(cmd));
	nn_out_uint(o, "pid", "pid %llu", (uint64_t)pid);
	nn_out_string(o, "command", " (%s)\n", cmd);
	print_header(o);
	nn_out_open_array(o, "namespaces");
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		print_ns_row(o, k, kinds[k].kind, fds[k], own[kinds[k].type], errs[k]);
		if (fds[k] >= 0)
			close(fds[k]);
	}
	nn_out_close(o);
	return 0;
}

/* show_file() - one nsfs file (a /run/netns name, a path): just that namespace */
static int show_file(struct nn_out *o, const char *label, int fd, struct nn_err *err)
{
	enum nn_ns_type t;
	int r = nn_ns_type_of_fd(fd, &t, err);

	if (r < 0)
		return nn_err_wrap(err, "%s", label);
	nn_out_string(o, "path", "%s\n", label);
	print_header(o);
	nn_out_open_array(o, "namespaces");
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++)
		if (kinds[k].type == t && !kinds[k].children)
			print_ns_row(o, k, kinds[k].kind, fd, 0, 0);
	nn_out_close(o);
	return 0;
}

/* show_target() - a PID, NAME, PATH, sandbox or "nest" */
static int show_target(struct nn_out *o, const char *spec, const char *nest, struct nn_err *err)
{
	struct nn_target t;
	enum nn_ns_type type;
	int r;

	nn_out_string(o, "target", NULL, spec);
	if (strchr(spec, '/')) {
		_cleanup_close_ int fd = nn_ns_open_any(spec, &type, err);

		return fd < 0 ? fd : show_file(o, spec, fd, err);
	}
	r = nn_target_resolve(spec, nest, &t, err);
	if (r < 0)
		return r;
	if (t.kind == NN_TARGET_NAME) {
		r = show_file(o, t.path, t.netfd, err);
	} else {
		r = show_pid(o, t.pid, err);
		if (r == 0 && t.kind == NN_TARGET_NEST) {
			/* the detached netns is not the daemon's own net (RootlessKit design) */
			nn_out_text(o, "detached netns of %s (%s):\n", t.label, t.path);
			nn_out_open_object(o, "detached");
			r = show_file(o, t.path, t.netfd, err);
			nn_out_close(o);
		}
	}
	nn_target_close(&t);
	return r;
}

static int usage_ns(FILE *f, int status)
{
	fprintf(f, "Usage: netnest ns [--json] [--nest NAME] [PID|NAME|PATH|SANDBOX|nest]...\n"
		"Show each namespace of a process (default: this one), with its inode, owning\n"
		"user namespace and uid, whether it is the host's, and what that means.\n"
		"  NAME     an entry of /run/netns or $XDG_RUNTIME_DIR/netns\n"
		"  PATH     any namespace file (/proc/PID/ns/uts, a bind mount)\n"
		"  SANDBOX  a netnest sandbox of the nest; 'nest' is the nest itself\n"
		"  -j, --json       JSON output\n"
		"  -n, --nest NAME  nest for sandbox names and 'nest' (default: %s)\n",
		NN_NEST_DEFAULT);
	return status;
}

int cmd_ns(int argc, char **argv, struct nn_err *err)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "nest", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *nest = NULL; /* not given: names before sandboxes (nn_target_resolve()) */
	bool json = false;
	struct nn_out *o;
	struct outbuf buf;
	char self[16];
	char *def[] = { self };
	char **targets;
	int c, ntargets, r = 0;

	while ((c = getopt_long(argc, argv, ":jn:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'n': nest = optarg; break;
		case 'h': return usage_ns(stdout, 0);
		default: return nn_opt_error(argv, c);
		}
	}
	targets = argv + optind;
	ntargets = argc - optind;
	if (!ntargets) {
		snprintf(self, sizeof(self), "%d", (int)getpid());
		targets = def;
		ntargets = 1;
	}
	o = buffered_out(&buf, json);
	if (!o)
		return nn_err(err, ENOMEM, "start output");
	nn_out_open_array(o, "processes");
	for (int i = 0; i < ntargets && r == 0; i++) {
		if (i)
			nn_out_text(o, "\n");
		nn_out_open_object(o, NULL);
		r = show_target(o, targets[i], nest, err);
		nn_out_close(o);
	}
	nn_out_close(o);
	return buffered_finish(&buf, o, r < 0 ? err : NULL);
}

static const char *holder_kind_name(enum nn_holder_kind k)
{
	switch (k) {
	case NN_HOLD_PROCESS: return "process";
	case NN_HOLD_THREAD: return "thread";
	case NN_HOLD_FD: return "fd";
	case NN_HOLD_BINDMOUNT: return "bind_mount";
	case NN_HOLD_CHILDREN: return "children";
	case NN_HOLD_SOCKET: return "socket";
	}
	return "?";
}

/* gap_reason() - the classes of docs/facts-netns.md#partial-rights */
static const char *gap_reason(int code)
{
	switch (code) {
	case EACCES: case EPERM: return "permission";
	case ENOENT: case ESRCH: return "process gone";
	case ENOTTY: case ENOSYS: return "kernel too old";
	default: return "error";
	}
}

static void user_of_pid(pid_t pid, uid_t fallback, char *buf, size_t len, uid_t *uid)
{
	char path[64];
	struct stat st;
	struct passwd *pw;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	*uid = pid && stat(path, &st) == 0 ? st.st_uid : fallback;
	static uid_t last = (uid_t)-1;  /* most rows share a user: read passwd once */
	static char last_name[64];

	if (*uid != (uid_t)-1 && *uid == last) {
		snprintf(buf, len, "%s", last_name);
		return;
	}
	pw = *uid != (uid_t)-1 ? getpwuid(*uid) : NULL;
	if (pw) {
		snprintf(buf, len, "%s", pw->pw_name);
		snprintf(last_name, sizeof(last_name), "%s", pw->pw_name);
		last = *uid;
	}
	else if (*uid != (uid_t)-1)
		snprintf(buf, len, "%u", (unsigned)*uid);
	else
		snprintf(buf, len, "-");
}

/* path_seen() - a bind mount of @n at @path in mount ns @mntns (0: any), in holders [0, @upto) */
static bool path_seen(const struct nn_ns *n, const char *path, uint64_t mntns, size_t upto)
{
	for (size_t i = 0; i < upto && i < n->nholders; i++) {
		const struct nn_holder *h = &n->holders[i];

		if (h->kind == NN_HOLD_BINDMOUNT && !strcmp(h->path, path) &&
		    (!mntns || h->mntns == mntns))
			return true;
	}
	return false;
}

/*
 * print_holders() - JSON: every holder.  Text: all but processes (NPROCS counts them);
 * a bind mount copied into other mount namespaces (unshare -m copies the tree) is shown
 * once, with the number of copies.
 */
static void print_holders(struct nn_out *o, const struct nn_ns *n, uint64_t self_mntns)
{
	size_t copies = 0;

	nn_out_open_array(o, "holders");
	for (size_t i = 0; i < n->nholders; i++) {
		const struct nn_holder *h = &n->holders[i];
		bool here = h->mntns == self_mntns;

		nn_out_open_object(o, NULL);
		nn_out_string(o, "kind", NULL, holder_kind_name(h->kind));
		switch (h->kind) {
		case NN_HOLD_PROCESS:
			nn_out_uint(o, "pid", NULL, h->pid);
			break;
		case NN_HOLD_THREAD:
			nn_out_uint(o, "pid", "    thread %llu", h->pid);
			nn_out_uint(o, "tid", "/%llu\n", h->tid);
			break;
		case NN_HOLD_FD:
			nn_out_uint(o, "pid", "    open fd %llu", h->pid);
			nn_out_uint(o, "fd", "/%llu\n", (uint64_t)h->fd);
			break;
		case NN_HOLD_SOCKET:
			nn_out_uint(o, "pid", "    socket %llu", h->pid);
			nn_out_uint(o, "fd", "/%llu\n", (uint64_t)h->fd);
			break;
		case NN_HOLD_CHILDREN:
			nn_out_uint(o, "pid", "    next children of pid %llu\n", h->pid);
			break;
		case NN_HOLD_BINDMOUNT:
			nn_out_string(o, "path", NULL, h->path);
			nn_out_uint(o, "mntns", NULL, h->mntns);
			nn_out_uint(o, "pid", NULL, h->pid);
			nn_out_bool(o, "visible_here", NULL, here);
			if (!here && (path_seen(n, h->path, self_mntns, n->nholders) ||
				      path_seen(n, h->path, 0, i)))
				copies++;
			else
				nn_out_text(o, "    bind mount %s in mnt:[%llu]%s (read via pid %d)\n",
					    h->path, (unsigned long long)h->mntns,
					    here ? ", this mount ns" : " only", (int)h->pid);
			break;
		}
		nn_out_close(o);
	}
	nn_out_close(o);
	if (copies)
		nn_out_text(o, "    (and %zu %s in other mount namespaces)\n", copies,
			    copies == 1 ? "copy" : "copies");
}

static void print_ns_entry(struct nn_out *o, const struct nn_ns *n, uint64_t self_mntns)
{
	pid_t pid = n->npids ? n->pids[0] : 0;
	char user[64], cmd[256];
	size_t nfd = 0, nmnt = 0, nthr = 0;
	uid_t uid;

	for (size_t i = 0; i < n->nholders; i++) {
		nfd += n->holders[i].kind == NN_HOLD_FD || n->holders[i].kind == NN_HOLD_SOCKET;
		nmnt += n->holders[i].kind == NN_HOLD_BINDMOUNT;
		nthr += n->holders[i].kind == NN_HOLD_THREAD;
	}
	user_of_pid(pid, n->owner_uid, user, sizeof(user), &uid);
	if (pid)
		proc_command(pid, cmd, sizeof(cmd));
	nn_out_open_object(o, NULL);
	nn_out_uint(o, "ns", "%-11llu", n->id.ino);
	nn_out_string(o, "type", "%-7s", nn_ns_type_name(n->type));
	nn_out_uint(o, "nprocs", "%6llu", n->npids);
	if (pid)
		nn_out_uint(o, "pid", " %7llu", pid);
	else
		nn_out_null(o, "pid", " %7s");
	nn_out_string(o, "user", " %-9s", user);
	if (uid != (uid_t)-1)
		nn_out_uint(o, "uid", NULL, uid);
	else
		nn_out_null(o, "uid", NULL);
	if (n->type != NN_NS_NET || n->netnsid == NN_NETNSID_UNKNOWN)
		nn_out_null(o, "netnsid", " %-10s");
	else if (n->netnsid == NN_NETNSID_UNASSIGNED)
		nn_out_null(o, "netnsid", nn_out_json(o) ? NULL : " unassigned");
	else
		nn_out_int(o, "netnsid", " %-10lld", n->netnsid);
	nn_out_text(o, " %3zu %2zu %3zu", nthr, nfd, nmnt);
	if (pid)
		nn_out_string(o, "command", " %s\n", cmd);
	else
		nn_out_null(o, "command", " %s\n");
	nn_out_bool(o, "initial", NULL, n->initial);
	if (n->userns)
		nn_out_uint(o, "userns", NULL, n->userns);
	else
		nn_out_null(o, "userns", NULL);
	if (n->owner_uid != (uid_t)-1)
		nn_out_uint(o, "owner_uid", NULL, n->owner_uid);
	else
		nn_out_null(o, "owner_uid", NULL);
	nn_out_bool(o, "pinned", NULL, n->fd >= 0);
	/* lsns NSFS: nsfs mount targets, here those visible in our own mount ns */
	nn_out_open_array(o, "nsfs");
	for (size_t i = 0; i < n->nholders; i++)
		if (n->holders[i].kind == NN_HOLD_BINDMOUNT && n->holders[i].mntns == self_mntns)
			nn_out_string(o, "path", NULL, n->holders[i].path);
	nn_out_close(o);
	nn_out_open_array(o, "names");
	for (size_t i = 0; i < n->nnames; i++)
		nn_out_string(o, "name", "    name %s\n", n->names[i]);
	nn_out_close(o);
	print_holders(o, n, self_mntns);
	nn_out_close(o);
}

/*
 * explain_hidden() - the seed's puzzle: an nsfs bind mount that exists only in another
 * mount ns, so from here its path is an empty placeholder (RootlessKit --detach-netns,
 * a netnest nest's $STATE/netns).  One note per namespace and path.
 */
static void explain_hidden(struct nn_out *o, const struct nn_ns_table *t)
{
	struct stat self;

	if (stat("/proc/self/ns/net", &self) < 0)
		return;
	for (size_t i = 0; i < t->n; i++) {
		const struct nn_ns *n = &t->ns[i];

		for (size_t k = 0; k < n->nholders; k++) {
			const struct nn_holder *h = &n->holders[k];
			struct stat st;
			const char *here;

			if (h->kind != NN_HOLD_BINDMOUNT || h->mntns == t->self_mntns ||
			    path_seen(n, h->path, t->self_mntns, n->nholders) ||
			    path_seen(n, h->path, 0, k))
				continue;
			if (stat(h->path, &st) < 0)
				here = "does not exist";
			else if (st.st_dev == self.st_dev)
				continue; /* an nsfs mount is there too */
			else if (S_ISREG(st.st_mode) && st.st_size == 0)
				here = "is an empty file";
			else
				here = "is not a namespace file";
			nn_out_text(o, "note: %s:[%llu] is held by a bind mount on %s that exists only "
				    "in mount namespace mnt:[%llu]; from here %s %s. Open it as "
				    "/proc/%d/root%s.\n", nn_ns_type_name(n->type),
				    (unsigned long long)n->id.ino, h->path,
				    (unsigned long long)h->mntns, h->path, here, (int)h->pid, h->path);
		}
	}
}

static void print_gaps(struct nn_out *o, const struct nn_ns_table *t)
{
	nn_out_open_array(o, "stale");
	for (size_t i = 0; i < t->nstale; i++) {
		nn_out_open_object(o, NULL);
		nn_out_string(o, "path", "stale: %s", t->stale_names[i]);
		nn_out_string(o, "why", ": %s\n", t->stale_why[i]);
		nn_out_close(o);
	}
	nn_out_close(o);
	nn_out_open_array(o, "gaps");
	for (size_t i = 0; i < t->ngaps; i++) {
		nn_out_open_object(o, NULL);
		nn_out_string(o, "what", NULL, t->gaps[i].what);
		nn_out_string(o, "reason", NULL, gap_reason(t->gaps[i].code));
		nn_out_string(o, "error", NULL, strerror(t->gaps[i].code));
		nn_out_close(o);
	}
	nn_out_close(o);
	/* text: one line per errno, so an unprivileged run stays readable */
	for (size_t i = 0; i < t->ngaps && !nn_out_json(o); i++) {
		int code = t->gaps[i].code;
		bool first = true;

		for (size_t k = 0; k < i; k++)
			if (t->gaps[k].code == code)
				first = false;
		if (!first)
			continue;
		nn_out_text(o, "not covered (%s: %s):", gap_reason(code), strerror(code));
		for (size_t k = i; k < t->ngaps; k++)
			if (t->gaps[k].code == code)
				nn_out_text(o, " %s", t->gaps[k].what);
		nn_out_text(o, "\n");
	}
}

static int cmp_ns(const void *a, const void *b)
{
	const struct nn_ns *x = a, *y = b;

	if (x->id.ino != y->id.ino)
		return x->id.ino < y->id.ino ? -1 : 1;
	return (int)x->type - (int)y->type;
}

static int usage_ls(FILE *f, int status)
{
	fprintf(f, "Usage: netnest ls [--type TYPE] [--json]\n"
		"List every namespace found through processes, threads, open fds and nsfs bind\n"
		"mounts in every mount namespace, with what keeps it alive.\n"
		"  -t, --type TYPE  only mnt, net, pid, uts, ipc, user, cgroup or time\n"
		"  -j, --json       JSON output (lsns -J keys where they overlap)\n"
		"Columns THR FD MNT count the threads, open fds (nsfs files and sockets of\n"
		"processes in another netns) and bind mounts holding it.\n");
	return status;
}

int cmd_ls(int argc, char **argv, struct nn_err *err)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct nn_ns_table t = { 0 };
	struct outbuf buf;
	struct nn_out *o;
	enum nn_ns_type type;
	unsigned types = 0;
	bool json = false;
	int c, r;

	while ((c = getopt_long(argc, argv, ":t:jh", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (nn_ns_type_parse(optarg, &type) < 0)
				return nn_usage_error(argv[0], "unknown namespace type '%s'", optarg);
			types |= 1u << type;
			break;
		case 'j': json = true; break;
		case 'h': return usage_ls(stdout, 0);
		default: return nn_opt_error(argv, c);
		}
	}
	if (optind < argc)
		return nn_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	r = nn_discover(&t, types, err);
	if (r < 0)
		return nn_fail(err);
	qsort(t.ns, t.n, sizeof(*t.ns), cmp_ns);
	o = buffered_out(&buf, json);
	if (!o) {
		nn_ns_table_free(&t);
		return nn_err(err, ENOMEM, "start output");
	}
	nn_out_text(o, "%-11s%-7s%6s %7s %-9s %-10s %2s %2s %3s %s\n", "NS", "TYPE", "NPROCS",
		    "PID", "USER", "NETNSID", "THR", "FD", "MNT", "COMMAND");
	nn_out_open_array(o, "namespaces");
	for (size_t i = 0; i < t.n; i++)
		print_ns_entry(o, &t.ns[i], t.self_mntns);
	nn_out_close(o);
	explain_hidden(o, &t);
	print_gaps(o, &t);
	nn_ns_table_free(&t);
	return buffered_finish(&buf, o, NULL);
}
