// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * child.c - RootlessKit's child, forked by the nest daemon in RootlessKit mode: its
 * namespaces and mounts, then the command, its signals and its exit status (see child.h;
 * RootlessKit pkg/child/child.go, pkg/common/sigproxy; clone(2), setns(2), mount(2)).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "copyup.h"
#include "report.h"
#include "state.h"
#include "util.h"

void nn_child_config_free(struct nn_child_config *c)
{
	for (size_t i = 0; c->copy_up && c->copy_up[i]; i++)
		free(c->copy_up[i]);
	free(c->copy_up);
	free(c->ports);
	memset(c, 0, sizeof(*c));
}

bool nn_child_copies_etc(const struct nn_child_config *c)
{
	for (size_t i = 0; i < c->ncopy_up; i++)
		if (!strcmp(c->copy_up[i], "/etc"))
			return true;
	return false;
}

int nn_child_resolv_conf(const struct nn_nest_config *cfg, char buf[NN_RESOLV_CONF_MAX])
{
	char dns[INET_ADDRSTRLEN], dns6[INET6_ADDRSTRLEN];
	int len;

	inet_ntop(AF_INET, &cfg->dns, dns, sizeof(dns));
	inet_ntop(AF_INET6, &cfg->dns6, dns6, sizeof(dns6));
	len = snprintf(buf, NN_RESOLV_CONF_MAX, "nameserver %s\n", dns);
	if (cfg->ipv6)
		len += snprintf(buf + len, NN_RESOLV_CONF_MAX - (size_t)len, "nameserver %s\n",
				dns6);
	return len;
}

int nn_child_hosts(bool rk, char **out, size_t *len, struct nn_err *err)
{
	_cleanup_free_ char *etc = NULL;
	char host[256] = "localhost";
	size_t n = 0;
	int r;

	if (nn_read_file(AT_FDCWD, "/etc/hosts", &etc, &n, NULL) < 0)
		n = 0;
	gethostname(host, sizeof(host) - 1);
	r = asprintf(out, "%.*s%s127.0.0.1 %s\n::1 %s\n", (int)n, etc ? etc : "",
		     rk || (n && etc[n - 1] != '\n') ? "\n" : "", host, host);
	if (r < 0) {
		*out = NULL;
		return nn_err(err, ENOMEM, "make /etc/hosts");
	}
	*len = (size_t)r;
	return 0;
}

int nn_child_status(int wstatus)
{
	return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 255;
}

void nn_child_exit_text(int wstatus, char *buf, size_t len)
{
	if (WIFEXITED(wstatus)) {
		snprintf(buf, len, "exit status %d", WEXITSTATUS(wstatus));
		return;
	}
	snprintf(buf, len, "signal: %s%s", strsignal(WTERMSIG(wstatus)),
		 WCOREDUMP(wstatus) ? " (core dumped)" : "");
	buf[8] = (char)tolower((unsigned char)buf[8]); /* after "signal: " */
}

/*
 * The child's own line when the command failed, as RootlessKit's child prints it on its
 * stderr (the user's): "[rootlesskit:child ] error: command [sh -c exit 3] exited: exit
 * status 3", the command's words joined by spaces as Go's %v of a []string.  One write(2).
 */
static void say_command_failed(const struct nn_child_config *c, int wstatus)
{
	_cleanup_free_ char *line = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);
	char how[64];

	if (!f)
		return; /* no memory to tell it */
	nn_child_exit_text(wstatus, how, sizeof(how));
	fputs("[rootlesskit:child ] error: command [", f);
	for (char **a = c->argv; *a; a++)
		fprintf(f, "%s%s", a == c->argv ? "" : " ", *a);
	fprintf(f, "] exited: %s\n", how);
	if (fclose(f) == 0 && write(STDERR_FILENO, line, len) < 0)
		return; /* no one to tell */
}

/* ---- in the child ---- */

/* resolv.conf and hosts: files of the copied-up /etc, or the state dir's bind-mounted */
static int etc_files(const struct nn_nest *n, struct nn_err *err)
{
	char buf[NN_RESOLV_CONF_MAX], src[PATH_MAX + 16];
	static const char *const names[] = { "resolv.conf", "hosts" };
	_cleanup_free_ char *hosts = NULL;
	size_t hlen;
	int len, r;

	if (!nn_child_copies_etc(n->cfg.child)) {
		for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
			snprintf(src, sizeof(src), "%s/%s", n->cfg.state_dir, names[i]);
			snprintf(buf, sizeof(buf), "/etc/%s", names[i]);
			if (mount(src, buf, NULL, MS_BIND, NULL) < 0)
				return nn_err(err, errno, "bind-mount %s on %s", src, buf);
		}
		return 0;
	}
	len = nn_child_resolv_conf(&n->cfg, buf);
	r = nn_child_hosts(true, &hosts, &hlen, err);
	/* over the symlinks into .roNNNN: regular files of the tmpfs (rename(2)) */
	if (r == 0)
		r = nn_write_file(AT_FDCWD, "/etc/resolv.conf", 0644, buf, (size_t)len, err);
	if (r == 0)
		r = nn_write_file(AT_FDCWD, "/etc/hosts", 0644, hosts, hlen, err);
	return r;
}

/* RootlessKit pkg/child/child.go setupMount + network + procfs, in its order */
static int child_setup(const struct nn_nest *n, struct nn_err *err)
{
	const struct nn_child_config *c = n->cfg.child;
	int flags = CLONE_NEWNS | (c->cgroupns ? CLONE_NEWCGROUP : 0) |
		    (c->utsns ? CLONE_NEWUTS : 0) | (c->ipcns ? CLONE_NEWIPC : 0);
	bool own_netns = n->cfg.net != NN_NET_HOST && !c->detach_netns;
	char ro[32];
	int r;

	if (unshare(flags) < 0)
		return nn_err(err, errno, "create the namespaces of RootlessKit's child");
	if (mount(NULL, "/", NULL, c->propagation, NULL) < 0)
		return nn_err(err, errno, "--propagation: set the propagation of /");
	for (size_t i = 0; i < c->ncopy_up; i++)
		if (nn_copyup(c->copy_up[i], ro, err) < 0)
			return nn_err_wrap(err, "--copy-up=%s", c->copy_up[i]);
	if (own_netns) {
		if (setns(n->nest_netns, CLONE_NEWNET) < 0)
			return nn_err(err, errno, "enter the nest's netns");
		r = nn_sysfs_fresh(NULL, err);
		if (r == 0)
			r = etc_files(n, err);
		if (r < 0)
			return r;
	}
	if (c->pidns && nn_procfs_fresh(err) < 0)
		return nn_err_wrap(err, "--pidns");
	return 0;
}

/* The command: RootlessKit's environment, default signals, then exec.  Never returns. */
static __attribute__((noreturn)) void exec_command(const struct nn_nest *n, int fail_fd)
{
	const struct nn_child_config *c = n->cfg.child;
	char id[16];
	sigset_t none;
	int e;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* the soft RLIMIT_NOFILE is the hard one, raised by the daemon (nestd.c), as RootlessKit's
	 * command inherits it from Go's runtime: dockerd expects as many fds */
	if (c->reaper)
		setsid();
	setenv(NN_STATE_RK_ENV, n->cfg.state_dir, 1);
	snprintf(id, sizeof(id), "%u", (unsigned)c->parent_euid);
	setenv("ROOTLESSKIT_PARENT_EUID", id, 1);
	snprintf(id, sizeof(id), "%u", (unsigned)c->parent_egid);
	setenv("ROOTLESSKIT_PARENT_EGID", id, 1);
	/* As under RootlessKit, whose Go processes put a handler of their own on every signal
	 * they did not find ignored, and on the ignored ones but SIGHUP and SIGINT (Go
	 * runtime/signal_unix.go sigInstallGoHandler), which exec then resets: the command
	 * gets those at SIG_DFL, so a script's trap works when the caller (a non-interactive
	 * shell's `&` job, say) ignored SIGQUIT.  SIGPIPE: the daemon ignores it (nestd.c). */
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction now;

		if (sig != SIGHUP && sig != SIGINT && sigaction(sig, NULL, &now) == 0 &&
		    now.sa_handler == SIG_IGN)
			signal(sig, SIG_DFL);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execvp(c->argv[0], c->argv);
	e = errno;
	if (write(fail_fd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

/* Start the command; Return: its PID, or -1 with @err saying why it could not run. */
static pid_t start_command(const struct nn_nest *n, struct nn_err *err)
{
	const char *cmd = n->cfg.child->argv[0];
	int p[2], e = 0, st;
	pid_t pid;
	ssize_t got;

	if (pipe2(p, O_CLOEXEC) < 0) {
		nn_err(err, errno, "run the command %s: pipe", cmd);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		nn_err(err, errno, "run the command %s: fork", cmd);
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		exec_command(n, p[1]);
	}
	close(p[1]);
	do
		got = read(p[0], &e, sizeof(e));
	while (got < 0 && errno == EINTR);
	close(p[0]);
	if (got != (ssize_t)sizeof(e))
		return pid; /* the pipe closed on exec */
	waitpid(pid, &st, 0);
	nn_err(err, e, "run the command %s", cmd);
	return -1;
}

/* Pass every signal on to the command, reap, and return its wait status. */
static int forward_signals(pid_t cmd)
{
	sigset_t all;

	sigfillset(&all);
	for (;;) {
		int sig = sigwaitinfo(&all, NULL), st;
		pid_t p;

		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(cmd, sig);
			continue;
		}
		/* with --pidns the child is PID 1 there: every orphan comes here too */
		while ((p = waitpid(-1, &st, WNOHANG)) > 0)
			if (p == cmd)
				return st;
	}
}

static __attribute__((noreturn)) void child_main(const struct nn_nest *n, int sock,
						 pid_t daemon)
{
	struct nn_err err = { 0 };
	sigset_t all;
	pid_t cmd;
	char go;
	int r;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	/* With --pidns the daemon is outside the child's PID namespace: getppid() is 0. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 ||
	    (!n->cfg.child->pidns && getppid() != daemon))
		_exit(1);
	r = child_setup(n, &err);
	nn_report_send(sock, r, &err);
	if (r < 0)
		_exit(1);
	if (read(sock, &go, 1) != 1)
		_exit(1);
	cmd = start_command(n, &err);
	if (cmd < 0) {
		nn_report_send(sock, -err.code, &err);
		_exit(1);
	}
	r = forward_signals(cmd);
	if (!WIFEXITED(r) || WEXITSTATUS(r))
		say_command_failed(n->cfg.child, r);
	_exit(nn_child_status(r));
}

/* ---- in the daemon ---- */

int nn_child_start(struct nn_nest *n, struct nn_child *c, struct nn_err *err)
{
	pid_t daemon = getpid(), pid;
	int sp[2], r;

	c->pid = 0;
	c->sock = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return nn_err(err, errno, "socketpair to RootlessKit's child");
	/*
	 * A raw clone(2) for --pidns, so that the child itself is PID 1 of the new PID
	 * namespace as in RootlessKit (unshare(CLONE_NEWPID) would move only its children);
	 * no other thread runs in the daemon yet, so no lock is held across it.
	 */
	if (n->cfg.child->pidns)
		pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, NULL);
	else
		pid = fork();
	if (pid < 0) {
		r = nn_err(err, errno, "fork RootlessKit's child");
		close(sp[0]);
		close(sp[1]);
		return r;
	}
	if (pid == 0) {
		close(sp[0]);
		child_main(n, sp[1], daemon);
	}
	close(sp[1]);
	r = nn_report_recv(sp[0], "RootlessKit's child", err);
	if (r < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(sp[0]);
		return r;
	}
	n->child_pid = c->pid = pid;
	c->sock = sp[0];
	return 0;
}

int nn_child_go(struct nn_child *c, struct nn_err *err)
{
	if (write(c->sock, "G", 1) != 1)
		return nn_err(err, errno, "start the command in RootlessKit's child");
	return 0;
}
