// SPDX-License-Identifier: GPL-2.0-or-later
/* isolate.c - the network engine gives up everything it does not need (see isolate.h) */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <net/if.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "isolate.h"
#include "util.h"

/* Where the empty tmpfs is mounted before it becomes the root (passt uses /tmp too). */
#define ROOT_MNT "/tmp"
/* The tmpfs: the root, etc/, etc/resolv.conf and one spare inode; RESOLV_MAX of data. */
#define ROOT_OPTS "size=16k,nr_inodes=4,mode=0555"
#define ROOT_FLAGS (MS_NODEV | MS_NOEXEC | MS_NOSUID)
#define RESOLV_MAX 16384

/* ASan builds, whose runtime makes calls of its own (sanitizer_allowed below) */
#if defined(__SANITIZE_ADDRESS__)
#define NN_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NN_SANITIZER 1
#endif
#endif

/*
 * The system calls the isolated engine makes, with any argument, found with strace -f -c
 * on the engine under TCP (curl, iperf3 both ways), UDP (iperf3 -u), DNS over UDP and TCP
 * through 10.0.2.3, and a sandbox's curl (docs/design.md#engine-isolation).  Names that
 * x86_64 lacks (ppoll on arm64 stands for poll, fcntl64 and mmap2 on 32-bit) are the same
 * calls on other architectures; libseccomp skips a name the filter's architecture has not.
 */
static const int allowed[] = {
	/* engine.c: the loop, the tap (writev: virtio_net_hdr + frame), the report pipe */
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(writev),
	SCMP_SYS(close),
	/* libslirp's host sockets (socket.c, tcp_subr.c, udp.c, ip_icmp.c) */
	SCMP_SYS(connect), SCMP_SYS(sendto), SCMP_SYS(recvfrom), SCMP_SYS(recvmsg),
	SCMP_SYS(setsockopt), SCMP_SYS(getsockopt), SCMP_SYS(getsockname),
	SCMP_SYS(getpeername), SCMP_SYS(shutdown),
	/* malloc and g_malloc */
	SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap),
	/* libslirp's DNS forwarding: fopen, fgets and stat of /etc/resolv.conf (slirp.c) */
	SCMP_SYS(openat), SCMP_SYS(newfstatat), SCMP_SYS(fstatat64), SCMP_SYS(fstat),
	SCMP_SYS(lseek),
	/* time when the vDSO is missing, the kernel's own restarts, exit */
	SCMP_SYS(clock_gettime), SCMP_SYS(restart_syscall), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(exit_group), SCMP_SYS(exit),
	/* glib's log handler, for libslirp's g_warning(): the PID in the line */
	SCMP_SYS(getpid),
};

/* Calls allowed (or failed) only with the argument they are made with. */
static const struct {
	int nr;
	uint32_t action;
	struct scmp_arg_cmp cmp;
} arg_rules[] = {
	/* libslirp's sockets are IPv4 and IPv6; no AF_UNIX (abstract sockets of the host
	 * netns), no netlink, no packet sockets.  glibc's if_nametoindex() (a nameserver
	 * with a %scope) tries AF_UNIX first and goes on to AF_INET on failure. */
	{ SCMP_SYS(socket), SCMP_ACT_ALLOW, { 0, SCMP_CMP_EQ, AF_INET, 0 } },
	{ SCMP_SYS(socket), SCMP_ACT_ALLOW, { 0, SCMP_CMP_EQ, AF_INET6, 0 } },
	{ SCMP_SYS(socket), SCMP_ACT_ERRNO(EAFNOSUPPORT), { 0, SCMP_CMP_EQ, AF_UNIX, 0 } },
	/* slirp_set_nonblock(): O_NONBLOCK on each new socket */
	{ SCMP_SYS(fcntl), SCMP_ACT_ALLOW, { 1, SCMP_CMP_EQ, F_GETFL, 0 } },
	{ SCMP_SYS(fcntl), SCMP_ACT_ALLOW, { 1, SCMP_CMP_EQ, F_SETFL, 0 } },
	{ SCMP_SYS(fcntl64), SCMP_ACT_ALLOW, { 1, SCMP_CMP_EQ, F_GETFL, 0 } },
	{ SCMP_SYS(fcntl64), SCMP_ACT_ALLOW, { 1, SCMP_CMP_EQ, F_SETFL, 0 } },
	/* sorecvfrom(): bytes waiting on a UDP or ICMP socket; if_nametoindex() */
	{ SCMP_SYS(ioctl), SCMP_ACT_ALLOW, { 1, SCMP_CMP_EQ, FIONREAD, 0 } },
	{ SCMP_SYS(ioctl), SCMP_ACT_ALLOW, { 1, SCMP_CMP_EQ, FIONBIO, 0 } },
	{ SCMP_SYS(ioctl), SCMP_ACT_ALLOW, { 1, SCMP_CMP_EQ, SIOCGIFINDEX, 0 } },
	/* isatty() of glib's log handler: stderr is no terminal as far as it knows */
	{ SCMP_SYS(ioctl), SCMP_ACT_ERRNO(ENOTTY), { 1, SCMP_CMP_EQ, TCGETS, 0 } },
	/* memory, never executable */
	{ SCMP_SYS(mmap), SCMP_ACT_ALLOW, { 2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0 } },
	{ SCMP_SYS(mmap2), SCMP_ACT_ALLOW, { 2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0 } },
#ifndef NN_SANITIZER /* which allows every madvise() */
	/* nn_mem_trim() (mem.h) once the engine is isolated; glibc's free() of a thread's
	 * arena (the engine has one thread: not called) */
	{ SCMP_SYS(madvise), SCMP_ACT_ALLOW, { 2, SCMP_CMP_EQ, MADV_DONTNEED, 0 } },
#endif
};

/*
 * Sanitizer builds only: the runtime's own calls (its allocator maps, unmaps and advises
 * memory, seeds itself with getrandom(2) when the engine trims its heap (malloc_trim(3) is
 * the runtime's own then), guards its internal locks, and prints reports to stderr or
 * log_path; writev(2) is in the allow-list above).
 */
#ifdef NN_SANITIZER
static const int sanitizer_allowed[] = {
	SCMP_SYS(madvise),	  SCMP_SYS(mprotect),	     SCMP_SYS(futex),
	SCMP_SYS(sched_yield),	  SCMP_SYS(gettid),	     SCMP_SYS(sigaltstack),
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigaction),    SCMP_SYS(readlink),
	SCMP_SYS(prctl),	  SCMP_SYS(getrlimit),	     SCMP_SYS(prlimit64),
	SCMP_SYS(tgkill),	  SCMP_SYS(uname),	     SCMP_SYS(getppid),
	SCMP_SYS(nanosleep),	  SCMP_SYS(clock_nanosleep), SCMP_SYS(getrandom),
};
#endif

static int seccomp_allow_list(struct nn_err *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int r = 0;

	if (!ctx)
		return nn_err(err, ENOMEM, "engine: seccomp_init");
	/* a call through another ABI (int 0x80, x32) kills as well (seccomp_attr_set(3)) */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	for (size_t i = 0; i < ARRAY_SIZE(allowed) && r == 0; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	for (size_t i = 0; i < ARRAY_SIZE(arg_rules) && r == 0; i++)
		r = seccomp_rule_add_array(ctx, arg_rules[i].action, arg_rules[i].nr, 1,
					   &arg_rules[i].cmp);
#ifdef NN_SANITIZER
	for (size_t i = 0; i < ARRAY_SIZE(sanitizer_allowed) && r == 0; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, sanitizer_allowed[i], 0);
#endif
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r < 0)
		return nn_err(err, -r, "engine: load the seccomp allow-list");
	return 0;
}

/*
 * The caller's /etc/resolv.conf, at most RESOLV_MAX bytes cut after a whole line, into
 * @buf (RESOLV_MAX bytes); *@len 0 if there is none.
 */
static void resolv_conf_read(char *buf, size_t *len)
{
	_cleanup_close_ int fd = open("/etc/resolv.conf", O_RDONLY | O_CLOEXEC);
	size_t n = 0;
	ssize_t r = 0;

	*len = 0;
	if (fd < 0)
		return;
	while (n < RESOLV_MAX && (r = read(fd, buf + n, RESOLV_MAX - n)) != 0) {
		if (r < 0 && errno != EINTR)
			return;
		if (r > 0)
			n += (size_t)r;
	}
	if (n == RESOLV_MAX) {
		const char *nl = memrchr(buf, '\n', n);

		n = nl ? (size_t)(nl - buf) + 1 : 0;
	}
	*len = n;
}

/* An empty read-only tmpfs as the root of a new mount namespace (pivot_root(2) NOTES). */
static int empty_root(struct nn_err *err)
{
	static char resolv[RESOLV_MAX];
	size_t resolv_len;
	int r;

	resolv_conf_read(resolv, &resolv_len);
	if (unshare(CLONE_NEWNS) < 0)
		return nn_err(err, errno, "engine: unshare mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return nn_err(err, errno, "engine: make / private");
	if (mount("netnest-engine", ROOT_MNT, "tmpfs", ROOT_FLAGS, ROOT_OPTS) < 0)
		return nn_err(err, errno, "engine: mount a tmpfs on " ROOT_MNT);
	if (resolv_len) {
		_cleanup_close_ int root = open(ROOT_MNT, O_PATH | O_DIRECTORY | O_CLOEXEC);

		if (root < 0 || mkdirat(root, "etc", 0555) < 0)
			return nn_err(err, errno, "engine: make etc in the empty root");
		r = nn_write_file(root, "etc/resolv.conf", 0444, resolv, resolv_len, err);
		if (r < 0)
			return nn_err_wrap(err, "engine");
	}
	if (mount(NULL, ROOT_MNT, NULL, MS_REMOUNT | MS_RDONLY | ROOT_FLAGS, ROOT_OPTS) < 0)
		return nn_err(err, errno, "engine: remount the empty root read-only");
	if (chdir(ROOT_MNT) < 0)
		return nn_err(err, errno, "engine: chdir " ROOT_MNT);
	/* The old root is stacked on top of the new one, then detached with all below it. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return nn_err(err, errno, "engine: pivot_root into the empty root");
	if (umount2(".", MNT_DETACH) < 0)
		return nn_err(err, errno, "engine: detach the old root");
	if (chdir("/") < 0)
		return nn_err(err, errno, "engine: chdir /");
	return 0;
}

static int tight_rlimits(struct nn_err *err)
{
	static const int zero[] = {
		RLIMIT_NPROC, RLIMIT_CORE, RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE,
		RLIMIT_LOCKS, RLIMIT_NICE, RLIMIT_RTPRIO,
	};
	struct rlimit nofile;

	if (getrlimit(RLIMIT_NOFILE, &nofile) < 0)
		return nn_err(err, errno, "engine: getrlimit RLIMIT_NOFILE");
	if (nofile.rlim_max > NN_ENGINE_NOFILE)
		nofile.rlim_max = NN_ENGINE_NOFILE;
	nofile.rlim_cur = nofile.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &nofile) < 0)
		return nn_err(err, errno, "engine: setrlimit RLIMIT_NOFILE");
	for (size_t i = 0; i < ARRAY_SIZE(zero); i++)
		if (setrlimit(zero[i], &(struct rlimit){ 0, 0 }) < 0)
			return nn_err(err, errno, "engine: setrlimit %d to 0", zero[i]);
	return 0;
}

static int drop_capabilities(struct nn_err *err)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3] = { 0 };

	/* EINVAL: past the last capability this kernel has (capabilities(7)) */
	for (int cap = 0; cap < 64; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return nn_err(err, errno,
				      "engine: drop capability %d from the bounding set", cap);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return nn_err(err, errno, "engine: clear the ambient capabilities");
	if (syscall(SYS_capset, &hdr, none) < 0)
		return nn_err(err, errno, "engine: drop every capability");
	return 0;
}

int nn_isolate_engine(struct nn_err *err)
{
	int r = empty_root(err);

	if (r == 0)
		r = tight_rlimits(err);
	if (r == 0)
		r = drop_capabilities(err);
	if (r == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		r = nn_err(err, errno, "engine: set no_new_privs");
	if (r == 0)
		r = seccomp_allow_list(err);
	return r;
}
