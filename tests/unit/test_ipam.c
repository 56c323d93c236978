// SPDX-License-Identifier: GPL-2.0-or-later
/* test_ipam.c - host-local style leases: layout, order, release, exhaustion, concurrency */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/nest/ipam.h"
#include "lib/core/util.h"

struct fixture {
	char dir[64];
	int dirfd;
	struct nn_ipam ipam;
};

static int open_ipam(struct fixture *f, const char *cidr, const char *gw)
{
	struct nn_cidr subnet;
	struct in_addr gateway;
	struct nn_err err;

	assert_int_equal(nn_cidr_parse(cidr, "subnet", &subnet, &err), 0);
	assert_int_equal(inet_pton(AF_INET, gw, &gateway), 1);
	return nn_ipam_open(&f->ipam, f->dirfd, "netnest", &subnet, gateway, &err);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_ipam.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->dirfd = open(f->dir, O_RDONLY | O_DIRECTORY);
	assert_true(f->dirfd >= 0);
	assert_int_equal(open_ipam(f, "10.4.0.0/24", "10.4.0.1"), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	nn_ipam_close(&f->ipam);
	close(f->dirfd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static struct in_addr ip4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static void alloc_expect(struct fixture *f, const char *id, const char *want)
{
	struct nn_err err = { 0 };
	struct in_addr a;
	char ip[INET_ADDRSTRLEN];

	assert_int_equal(nn_ipam_allocate(&f->ipam, id, "eth0", NULL, NULL, &a, &err), 0);
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	assert_string_equal(ip, want);
}

static void read_lease(struct fixture *f, const char *name, char **out)
{
	struct nn_err err;

	assert_int_equal(nn_read_file(f->ipam.dirfd, name, out, NULL, &err), 0);
}

static void first_lease_is_dot_2_in_host_local_layout(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *lease = NULL, *last = NULL;
	struct stat st;

	alloc_expect(f, "web", "10.4.0.2");
	read_lease(f, "10.4.0.2", &lease);
	assert_memory_equal(lease, "web\r\neth0", 10);
	read_lease(f, "last_reserved_ip.0", &last);
	assert_string_equal(last, "10.4.0.2");
	assert_int_equal(fstatat(f->dirfd, "ipam/netnest/lock", &st, 0), 0);
	assert_true(S_ISREG(st.st_mode));
}

static void leases_go_round_robin_after_release(void **state)
{
	struct fixture *f = *state;
	struct nn_err err;

	alloc_expect(f, "a", "10.4.0.2");
	alloc_expect(f, "b", "10.4.0.3");
	alloc_expect(f, "c", "10.4.0.4");
	assert_int_equal(nn_ipam_release(&f->ipam, ip4("10.4.0.3"), "b", "eth0", &err), 0);
	assert_int_equal(faccessat(f->ipam.dirfd, "10.4.0.3", F_OK, 0), -1);
	/* host-local reuses .3 only after wrapping: the next one is .5 */
	alloc_expect(f, "d", "10.4.0.5");
	/* a's lease was untouched by b's release */
	assert_int_equal(faccessat(f->ipam.dirfd, "10.4.0.2", F_OK, 0), 0);
}

static void release_by_another_owner_leaves_the_lease(void **state)
{
	struct fixture *f = *state;
	struct nn_err err;

	alloc_expect(f, "a", "10.4.0.2");
	assert_int_equal(nn_ipam_release(&f->ipam, ip4("10.4.0.2"), "zz", "eth0", &err), 0);
	assert_int_equal(nn_ipam_release(&f->ipam, ip4("10.4.0.2"), "a", "eth1", &err), 0);
	assert_int_equal(faccessat(f->ipam.dirfd, "10.4.0.2", F_OK, 0), 0);
}

static void release_of_a_free_address_is_not_an_error(void **state)
{
	struct fixture *f = *state;
	struct nn_err err;

	assert_int_equal(nn_ipam_release(&f->ipam, ip4("10.4.0.9"), "a", "eth0", &err), 0);
	alloc_expect(f, "a", "10.4.0.2");
}

/* an nn_ipam_allocate() skip: 192.168.7.4 is not to be leased yet */
static bool skip_dot4(struct in_addr a, void *arg)
{
	(void)arg;
	return a.s_addr == ip4("192.168.7.4").s_addr;
}

static void full_range_names_the_range(void **state)
{
	struct fixture *f = *state;
	struct nn_err err;
	struct in_addr a;

	nn_ipam_close(&f->ipam);
	/* /29: .1 is the gateway, .2-.6 leasable, .7 broadcast */
	assert_int_equal(open_ipam(f, "192.168.7.0/29", "192.168.7.1"), 0);
	alloc_expect(f, "a", "192.168.7.2");
	alloc_expect(f, "b", "192.168.7.3");
	alloc_expect(f, "c", "192.168.7.4");
	alloc_expect(f, "d", "192.168.7.5");
	alloc_expect(f, "e", "192.168.7.6");
	assert_int_equal(nn_ipam_allocate(&f->ipam, "f", "eth0", NULL, NULL, &a, &err), -ENOSPC);
	assert_string_equal(err.msg, "no IP addresses available in range set: "
				     "192.168.7.1-192.168.7.6");
	/* after a release the scan wraps around to the freed address */
	assert_int_equal(nn_ipam_release(&f->ipam, ip4("192.168.7.4"), "c", "eth0", &err), 0);
	/* ... unless the caller skips it: then the range is still full, and nothing changed */
	assert_int_equal(nn_ipam_allocate(&f->ipam, "f", "eth0", skip_dot4, NULL, &a, &err),
			 -ENOSPC);
	assert_int_equal(faccessat(f->ipam.dirfd, "192.168.7.4", F_OK, 0), -1);
	alloc_expect(f, "f", "192.168.7.4");
}

static void bad_ids_and_tiny_subnets_are_refused(void **state)
{
	struct fixture *f = *state;
	struct nn_cidr subnet;
	struct nn_ipam other;
	struct nn_err err;
	struct in_addr a = { 0 };

	assert_int_equal(nn_ipam_allocate(&f->ipam, "../x", "eth0", NULL, NULL, &a, &err), -EINVAL);
	assert_string_equal(err.msg, "lease owner '../x' contains '/'");
	assert_int_equal(nn_cidr_parse("10.9.0.0/31", "subnet", &subnet, &err), 0);
	assert_int_equal(nn_ipam_open(&other, f->dirfd, "tiny", &subnet, a, &err), -EINVAL);
	assert_string_equal(err.msg, "network 10.9.0.0/31 is too small to allocate from");
	assert_int_equal(nn_ipam_open(&other, f->dirfd, "a/b", &subnet, a, &err), -EINVAL);
}

static void twenty_processes_get_twenty_distinct_addresses(void **state)
{
	struct fixture *f = *state;
	bool seen[256] = { false };
	int pipes[20][2];
	pid_t pids[20];

	for (int i = 0; i < 20; i++) {
		assert_int_equal(pipe(pipes[i]), 0);
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct nn_err err;
			struct in_addr a;
			char id[16];

			snprintf(id, sizeof(id), "sb%d", i);
			if (nn_ipam_allocate(&f->ipam, id, "eth0", NULL, NULL, &a, &err) < 0)
				_exit(1);
			_exit(write(pipes[i][1], &a, sizeof(a)) == sizeof(a) ? 0 : 1);
		}
		close(pipes[i][1]);
	}
	for (int i = 0; i < 20; i++) {
		struct in_addr a;
		int status;

		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		assert_int_equal(read(pipes[i][0], &a, sizeof(a)), sizeof(a));
		close(pipes[i][0]);
		uint32_t host = ntohl(a.s_addr) & 0xff;
		assert_true(host >= 2 && host <= 21);
		assert_false(seen[host]);
		seen[host] = true;
	}
}

static void *alloc_thread(void *arg)
{
	struct {
		struct fixture *f;
		int i;
		struct in_addr a;
		int r;
	} *job = arg;
	struct nn_err err;
	char id[16];

	snprintf(id, sizeof(id), "th%d", job->i);
	job->r = nn_ipam_allocate(&job->f->ipam, id, "eth0", NULL, NULL, &job->a, &err);
	return NULL;
}

/* one nn_ipam shared by threads, as the daemon's (a flock is per open file: its mutex orders them) */
static void twenty_threads_get_twenty_distinct_addresses(void **state)
{
	struct fixture *f = *state;
	struct {
		struct fixture *f;
		int i;
		struct in_addr a;
		int r;
	} jobs[20];
	bool seen[256] = { false };
	pthread_t t[20];

	for (int i = 0; i < 20; i++) {
		jobs[i].f = f;
		jobs[i].i = i;
		assert_int_equal(pthread_create(&t[i], NULL, alloc_thread, &jobs[i]), 0);
	}
	for (int i = 0; i < 20; i++) {
		uint32_t host;

		pthread_join(t[i], NULL);
		assert_int_equal(jobs[i].r, 0);
		host = ntohl(jobs[i].a.s_addr) & 0xff;
		assert_true(host >= 2 && host <= 21);
		assert_false(seen[host]);
		seen[host] = true;
	}
}

/*
 * last_reserved_ip.0 is rewritten in place (its inode stays, as with host-local's
 * os.WriteFile), and one that another writer put there, in place or renamed over, is the
 * one the next lease starts after
 */
static void last_reserved_is_written_in_place_and_another_writers_is_followed(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *last = NULL;
	struct stat a, b;
	int fd;

	alloc_expect(f, "a", "10.4.0.2");
	assert_int_equal(fstatat(f->ipam.dirfd, "last_reserved_ip.0", &a, 0), 0);
	alloc_expect(f, "b", "10.4.0.3");
	assert_int_equal(fstatat(f->ipam.dirfd, "last_reserved_ip.0", &b, 0), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	read_lease(f, "last_reserved_ip.0", &last);
	assert_string_equal(last, "10.4.0.3");
	/* in place and longer, as host-local writes it */
	fd = openat(f->ipam.dirfd, "last_reserved_ip.0", O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "10.4.0.20", 9), 9);
	close(fd);
	alloc_expect(f, "c", "10.4.0.21");
	/* a new file renamed over it */
	fd = openat(f->ipam.dirfd, "new", O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "10.4.0.40", 9), 9);
	close(fd);
	assert_int_equal(renameat(f->ipam.dirfd, "new", f->ipam.dirfd, "last_reserved_ip.0"), 0);
	alloc_expect(f, "d", "10.4.0.41");
	/* and gone: from the range's start, the first free address */
	assert_int_equal(unlinkat(f->ipam.dirfd, "last_reserved_ip.0", 0), 0);
	alloc_expect(f, "e", "10.4.0.4");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(first_lease_is_dot_2_in_host_local_layout, setup,
						teardown),
		cmocka_unit_test_setup_teardown(leases_go_round_robin_after_release, setup,
						teardown),
		cmocka_unit_test_setup_teardown(release_by_another_owner_leaves_the_lease, setup,
						teardown),
		cmocka_unit_test_setup_teardown(release_of_a_free_address_is_not_an_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(full_range_names_the_range, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_ids_and_tiny_subnets_are_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(twenty_processes_get_twenty_distinct_addresses,
						setup, teardown),
		cmocka_unit_test_setup_teardown(twenty_threads_get_twenty_distinct_addresses, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			last_reserved_is_written_in_place_and_another_writers_is_followed, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
