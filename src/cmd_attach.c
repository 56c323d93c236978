// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_attach.c - `netnest attach`: make `ip netns` see a netns under a name */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "lib/inspect/attach.h"
#include "lib/inspect/enter.h"
#include "lib/core/ns.h"
#include "lib/core/out.h"
#include "lib/core/state.h"
#include "lib/core/util.h"

static int usage(FILE *f, int status)
{
	fprintf(f, "Usage: netnest attach [--symlink] [--nest NEST] NAME TARGET\n"
		"       netnest attach -d|--delete NAME\n"
		"       netnest attach [--list] [--json]\n"
		"Give a netns a name that `ip netns` sees (/run/netns/NAME; rootless:\n"
		"$XDG_RUNTIME_DIR/netns/NAME). TARGET: a PID, a path, a netnest sandbox, or\n"
		"'nest' (the nest's detached netns).\n"
		"  -s, --symlink    a symlink to /proc/PID/ns/net instead of a bind mount: it does\n"
		"                   not keep the netns alive and goes stale when PID exits\n"
		"  -d, --delete     remove NAME (unmount, then unlink)\n"
		"  -l, --list       list the names, with stale ones marked (the default)\n"
		"  -n, --nest NEST  nest for sandbox names and 'nest' (default: %s)\n"
		"  -j, --json       JSON output for --list\n", NN_NEST_DEFAULT);
	return status;
}

/* kind_of() - how a name is held, from lstat: a symlink, a bind mount (a file), or other */
static const char *kind_of(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFLNK: return "symlink";
	case S_IFREG: return "bind_mount";
	case S_IFDIR: return "directory";
	case S_IFSOCK: return "socket";
	case S_IFIFO: return "fifo";
	case S_IFCHR: case S_IFBLK: return "device";
	default: return "other";
	}
}

#define UNREADABLE (-2) /* open_entry(): not stale, but not ours to read */

/*
 * open_entry() - the netns of @path (a /run/netns entry), or -1 (stale) or UNREADABLE
 * (this user may not read it: another user's /proc/PID/ns needs ptrace access, proc(5))
 * with @why set to what is wrong with it, in words that do not repeat the path
 */
static int open_entry(const char *path, const struct stat *lst, char *why, size_t len)
{
	const char *lead = S_ISLNK(lst->st_mode) ? "it leads to " : "";
	enum nn_ns_type type;
	struct stat st;
	int fd;

	if (stat(path, &st) < 0) {
		int e = errno;

		if (e == EACCES || e == EPERM) {
			snprintf(why, len, "this user may not read it: %s", strerror(e));
			return UNREADABLE;
		}
		snprintf(why, len, S_ISLNK(lst->st_mode) ? "the symlink's target is gone" : "%s",
			 strerror(e));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, len, "%sa %s, not a namespace file", lead,
			 S_ISDIR(st.st_mode) ? "directory" : kind_of(st.st_mode));
		return -1;
	}
	fd = nn_ns_open_any(path, &type, NULL);
	if (fd == -ENOTTY && !S_ISLNK(lst->st_mode) && st.st_size == 0)
		snprintf(why, len, "no nsfs mount on it in this mount namespace");
	else if (fd == -ENOTTY)
		snprintf(why, len, "%sa file that is not a namespace file", lead);
	else if (fd == -EACCES || fd == -EPERM)
		snprintf(why, len, "this user may not open it: %s", strerror(-fd));
	else if (fd < 0)
		snprintf(why, len, "cannot be opened: %s", strerror(-fd));
	else if (type != NN_NS_NET)
		snprintf(why, len, "%sa %s namespace, not net", lead, nn_ns_type_name(type));
	else
		return fd;
	if (fd >= 0)
		close(fd);
	return fd == -EACCES || fd == -EPERM ? UNREADABLE : -1;
}

/* list() - every entry of @dir: bind mount, symlink, or stale, with the netns inode */
static int list(const char *dir, bool json, struct nn_err *err)
{
	struct nn_out *o = nn_out_new(stdout, json);
	struct dirent *e;
	DIR *d;

	if (!o)
		return nn_err(err, ENOMEM, "start output");
	nn_out_string(o, "dir", NULL, dir);
	nn_out_open_array(o, "names");
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		char path[PATH_MAX], target[PATH_MAX] = "", why[PATH_MAX + 64] = "";
		struct stat lst, st;
		_cleanup_close_ int fd = -1;
		ssize_t l;
		bool ok;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue; /* as ip netns list: a name may start with '.' */
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &lst) < 0)
			continue;
		if (S_ISLNK(lst.st_mode) && (l = readlink(path, target, sizeof(target) - 1)) > 0)
			target[l] = '\0';
		fd = open_entry(path, &lst, why, sizeof(why));
		ok = fd >= 0 && fstat(fd, &st) == 0;
		nn_out_open_object(o, NULL);
		nn_out_string(o, "name", "%-20s", e->d_name);
		nn_out_string(o, "kind", " %-10s", kind_of(lst.st_mode));
		if (ok)
			nn_out_uint(o, "ns", " net:[%llu]", st.st_ino);
		else
			nn_out_null(o, "ns", " %s");
		nn_out_bool(o, "stale", NULL, !ok && fd != UNREADABLE);
		if (*target)
			nn_out_string(o, "target", " -> %s", target);
		if (!ok)
			nn_out_string(o, "why",
				      fd == UNREADABLE ? " (not covered: %s)" : " (stale: %s)",
				      why);
		nn_out_text(o, "\n");
		nn_out_close(o);
	}
	if (d)
		closedir(d);
	nn_out_close(o);
	return nn_out_finish(o) < 0 ? EXIT_FAIL : 0;
}

int cmd_attach(int argc, char **argv, struct nn_err *err)
{
	static const struct option opts[] = {
		{ "symlink", no_argument, NULL, 's' },
		{ "delete", no_argument, NULL, 'd' },
		{ "list", no_argument, NULL, 'l' },
		{ "nest", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *nest = NULL; /* not given: names before sandboxes (nn_target_resolve()) */
	bool symlink_ = false, del = false, lst = false, json = false;
	struct nn_target t;
	char dir[PATH_MAX];
	int c, r;

	while ((c = getopt_long(argc, argv, ":sdln:jh", opts, NULL)) != -1) {
		switch (c) {
		case 's': symlink_ = true; break;
		case 'd': del = true; break;
		case 'l': lst = true; break;
		case 'n': nest = optarg; break;
		case 'j': json = true; break;
		case 'h': return usage(stdout, 0);
		default: return nn_opt_error(argv, c);
		}
	}
	argc -= optind;
	argv += optind;
	if (nn_attach_dir(dir, err) < 0)
		return nn_fail(err);
	if (lst || (!del && argc == 0)) {
		if (argc || del || symlink_)
			return nn_usage_error("attach", "--list takes no other arguments");
		return list(dir, json, err);
	}
	if (del) {
		if (argc != 1 || symlink_)
			return nn_usage_error("attach", "--delete takes exactly one NAME");
		return nn_attach_delete(dir, argv[0], err) < 0 ? nn_fail(err) : 0;
	}
	if (argc != 2)
		return nn_usage_error("attach", "expected NAME TARGET");
	/* a bad name is said first, whatever else would fail */
	if (nn_attach_check_name(argv[0], err) < 0)
		return nn_fail(err);
	if (!symlink_ && geteuid() != 0)
		return nn_err(err, EPERM, "attach %s as a bind mount in %s: bind mounts need "
			      "CAP_SYS_ADMIN in the initial user namespace (mount(2)); use "
			      "--symlink (it does not keep the netns alive), or run as root",
			      argv[0], dir);
	if (nn_target_resolve(argv[1], nest, &t, err) < 0)
		return nn_fail(err);
	if (symlink_) {
		char link[PATH_MAX * 2 + 2], to[PATH_MAX] = "";
		ssize_t l;

		r = nn_attach_symlink(dir, argv[0], t.path, err);
		snprintf(link, sizeof(link), "%s/%s", dir, argv[0]);
		if (r == 0 && (l = readlink(link, to, sizeof(to) - 1)) > 0)
			to[l] = '\0';
		if (r == 0)
			nn_warn("%s is a symlink to %s: it does not keep the netns alive, "
				"goes stale when %s exits, and can then follow a reused PID",
				link, *to ? to : t.path, t.pid ? t.label : "its holder");
	} else {
		r = nn_attach_bind(dir, argv[0], t.netfd, err);
	}
	nn_target_close(&t);
	return r < 0 ? nn_fail(err) : 0;
}
