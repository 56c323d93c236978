// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_mountinfo.c - the lines of /proc/PID/mountinfo the discovery keeps (nsfs bind mounts,
 * dsc_mountinfo_nsfs()) and the kernel's octal escapes in them (dsc_unescape_octal()).
 * The nsfs lines are as a private mount ns printed them with bind mounts of its netns and
 * uts ns on paths with a space and a backslash (fuzz/corpus/mountinfo/nsfs-escaped).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "lib/inspect/discover_internal.h"

static void unescaped(const char *in, const char *want)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s", in);
	dsc_unescape_octal(buf);
	if (strcmp(buf, want))
		fail_msg("\"%s\" unescaped to \"%s\", not \"%s\"", in, buf, want);
}

static void the_four_escapes_of_the_kernel_are_undone(void **state)
{
	(void)state;
	unescaped("/run/netns/with\\040space", "/run/netns/with space");
	unescaped("/a\\011tab", "/a\ttab");
	unescaped("/a\\012newline", "/a\nnewline");
	unescaped("/back\\134slash", "/back\\slash");
	unescaped("\\040\\040", "  ");
	unescaped("/plain", "/plain");
	unescaped("", "");
}

static void what_is_not_an_escape_stays(void **state)
{
	(void)state;
	unescaped("/a\\04", "/a\\04");           /* cut short */
	unescaped("/a\\0", "/a\\0");
	unescaped("/a\\", "/a\\");
	unescaped("/a\\400", "/a\\400");         /* over \377 */
	unescaped("/a\\08x", "/a\\08x");         /* 8 is not octal */
	unescaped("/a\\x40", "/a\\x40");
	/* one pass: an escaped backslash before digits is a backslash and the digits */
	unescaped("/a\\134040", "/a\\040");
}

/* nsfs() - parse @line (copied) and expect an nsfs mount of @type, @ino at @mountpoint */
static void nsfs(const char *line, enum nn_ns_type type, uint64_t ino, const char *mountpoint)
{
	struct dsc_nsfs_mount m;
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", line);
	if (dsc_mountinfo_nsfs(buf, &m) != 1)
		fail_msg("not taken for an nsfs mount: %s", line);
	assert_int_equal(m.type, type);
	assert_int_equal(m.ino, ino);
	assert_string_equal(m.mountpoint, mountpoint);
}

static void not_nsfs(const char *line)
{
	struct dsc_nsfs_mount m;
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", line);
	if (dsc_mountinfo_nsfs(buf, &m) != 0)
		fail_msg("taken for an nsfs mount: %s", line);
}

static void nsfs_mounts_give_type_inode_and_mount_point(void **state)
{
	(void)state;
	nsfs("65 44 0:4 net:[4026532183] /tmp/nn-fuzz/plain rw - nsfs nsfs rw",
	     NN_NS_NET, 4026532183, "/tmp/nn-fuzz/plain");
	nsfs("66 44 0:4 net:[4026532183] /tmp/nn-fuzz/with\\040space rw - nsfs nsfs rw",
	     NN_NS_NET, 4026532183, "/tmp/nn-fuzz/with space");
	nsfs("67 44 0:4 net:[4026532183] /tmp/nn-fuzz/back\\134slash rw - nsfs nsfs rw",
	     NN_NS_NET, 4026532183, "/tmp/nn-fuzz/back\\slash");
	nsfs("68 44 0:4 uts:[4026531838] /tmp/nn-fuzz/uts rw - nsfs nsfs rw",
	     NN_NS_UTS, 4026531838, "/tmp/nn-fuzz/uts");
	/* optional fields between the options and the separator */
	nsfs("612 26 0:4 net:[4026532280] /run/netns/web rw shared:301 master:1 - nsfs nsfs rw",
	     NN_NS_NET, 4026532280, "/run/netns/web");
	nsfs("655 26 0:4 mnt:[4026532301] /run/netnest/default/mnt rw - nsfs nsfs rw",
	     NN_NS_MNT, 4026532301, "/run/netnest/default/mnt");
	/* an escaped " - " in the mount point is not the separator */
	nsfs("70 26 0:4 net:[7] /run/a\\040-\\040b rw - nsfs nsfs rw", NN_NS_NET, 7,
	     "/run/a - b");
}

static void other_lines_are_not_nsfs_mounts(void **state)
{
	(void)state;
	not_nsfs("28 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw,errors=remount-ro");
	not_nsfs("23 28 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:13 - proc proc rw");
	not_nsfs("99 26 0:4 net:[4026532280] /x rw - nsfsx nsfs rw");   /* another fs type */
	not_nsfs("99 26 0:4 net:[4026532280] /x rw nsfs nsfs rw");       /* no separator */
	not_nsfs("99 26 0:4 net:[4026532280] - nsfs nsfs rw");           /* too few fields */
	not_nsfs("99 26 0:4 bogus:[4026532280] /x rw - nsfs nsfs rw");   /* unknown type */
	not_nsfs("99 26 0:4 net:4026532280 /x rw - nsfs nsfs rw");       /* no brackets */
	not_nsfs("99 26 0:4 net:[abc] /x rw - nsfs nsfs rw");            /* no inode */
	not_nsfs("");
	not_nsfs(" - nsfs ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_four_escapes_of_the_kernel_are_undone),
		cmocka_unit_test(what_is_not_an_escape_stays),
		cmocka_unit_test(nsfs_mounts_give_type_inode_and_mount_point),
		cmocka_unit_test(other_lines_are_not_nsfs_mounts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
