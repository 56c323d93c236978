// SPDX-License-Identifier: GPL-2.0-or-later
/* test_ns.c - namespace types and opening nsfs files, unprivileged */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/ns.h"

static void type_names_round_trip_and_unknown_names_are_refused(void **state)
{
	enum nn_ns_type t;

	(void)state;
	for (int i = 0; i < NN_NS_NTYPES; i++) {
		assert_int_equal(nn_ns_type_parse(nn_ns_type_name(i), &t), 0);
		assert_int_equal(t, i);
	}
	assert_string_equal(nn_ns_type_name(NN_NS_NET), "net");
	assert_int_equal(nn_ns_type_parse("network", &t), -EINVAL);
	assert_int_equal(nn_ns_type_parse("", &t), -EINVAL);
	assert_int_equal(nn_ns_type_parse("pid_for_children", &t), -EINVAL);
}

static void own_namespace_files_open_with_their_type_and_identity(void **state)
{
	struct nn_err err = { 0 };
	struct nn_nsid id;
	struct stat st;
	enum nn_ns_type t;
	int fd;

	(void)state;
	fd = nn_ns_open_path("/proc/self/ns/uts", NN_NS_UTS, &err);
	assert_true(fd >= 0);
	assert_int_equal(nn_ns_type_of_fd(fd, &t, &err), 0);
	assert_int_equal(t, NN_NS_UTS);
	assert_int_equal(nn_nsid_of_fd(fd, &id, &err), 0);
	assert_int_equal(stat("/proc/self/ns/uts", &st), 0);
	assert_true(id.ino == st.st_ino && id.dev == st.st_dev);
	close(fd);
	fd = nn_ns_open_pid(getpid(), NN_NS_NET, &err);
	assert_true(fd >= 0);
	close(fd);
}

static void wrong_type_plain_file_and_empty_file_are_refused_with_the_reason(void **state)
{
	struct nn_err err = { 0 };
	char empty[] = "/tmp/nn-test-ns.XXXXXX";
	int fd;

	(void)state;
	assert_int_equal(nn_ns_open_path("/proc/self/ns/uts", NN_NS_NET, &err), -EINVAL);
	assert_string_equal(err.msg, "/proc/self/ns/uts is a uts namespace, not net");
	assert_int_equal(nn_ns_open_path("/etc/hostname", NN_NS_NET, &err), -ENOTTY);
	assert_string_equal(err.msg, "/etc/hostname is not a namespace file (not on nsfs)");
	fd = mkstemp(empty);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(nn_ns_open_path(empty, NN_NS_NET, &err), -ENOTTY);
	assert_non_null(strstr(err.msg, "is an empty file, not a namespace"));
	unlink(empty);
	assert_int_equal(nn_ns_open_path("/nonexistent/x", NN_NS_NET, &err), -ENOENT);
	assert_int_equal(nn_ns_open_pid(0x7ffffff0, NN_NS_NET, &err), -ESRCH);
	assert_non_null(strstr(err.msg, "does not exist"));
}

static void initial_namespaces_are_recognised(void **state)
{
	struct stat st;
	char path[64];

	(void)state;
	/* this test runs in the host's namespaces (tests/run runs it as root on the host) */
	snprintf(path, sizeof(path), "/proc/self/ns/ipc");
	assert_int_equal(stat(path, &st), 0);
	assert_true(nn_ns_is_initial(NN_NS_IPC, (struct nn_nsid){ st.st_dev, st.st_ino }));
	assert_false(nn_ns_is_initial(NN_NS_IPC, (struct nn_nsid){ st.st_dev, 12345 }));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(type_names_round_trip_and_unknown_names_are_refused),
		cmocka_unit_test(own_namespace_files_open_with_their_type_and_identity),
		cmocka_unit_test(wrong_type_plain_file_and_empty_file_are_refused_with_the_reason),
		cmocka_unit_test(initial_namespaces_are_recognised),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
