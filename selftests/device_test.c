// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/tcpstate as a device: it is a misc character device that any user
 * can open, answers the version ioctl with the header's ABI version, and
 * rejects unknown commands and bad pointers the way the uapi promises.
 * Needs the module loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/tcpstate.h>

#include "kselftest_harness.h"

#define MISC_MAJOR_NUMBER 10

FIXTURE(device) {
	int fd;
};

FIXTURE_SETUP(device)
{
	self->fd = open("/dev/" TCPSTATE_DEVICE_NAME, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->fd)
		TH_LOG("cannot open /dev/%s: %s (is tcpstate.ko loaded?)",
		       TCPSTATE_DEVICE_NAME, strerror(errno));
}

FIXTURE_TEARDOWN(device)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(device, is_a_misc_character_device)
{
	struct stat st;

	ASSERT_EQ(0, fstat(self->fd, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(MISC_MAJOR_NUMBER, major(st.st_rdev));
}

TEST_F(device, version_ioctl_returns_header_abi_version)
{
	__u32 version = 0xdeadbeef;

	ASSERT_EQ(0, ioctl(self->fd, TCPSTATE_IOC_VERSION, &version));
	EXPECT_EQ(TCPSTATE_ABI_VERSION, version);
}

TEST_F(device, unknown_ioctl_in_our_magic_is_enotty)
{
	__u32 buf[16] = { 0 };

	EXPECT_EQ(-1, ioctl(self->fd, _IOR(TCPSTATE_IOC_MAGIC, 0x7f, __u32), buf));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(device, foreign_ioctl_is_enotty)
{
	int n = 0;

	/* A terminal ioctl means nothing to this device. */
	EXPECT_EQ(-1, ioctl(self->fd, TCGETS, &n));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(device, version_ioctl_with_bad_pointer_is_efault)
{
	EXPECT_EQ(-1, ioctl(self->fd, TCPSTATE_IOC_VERSION, (void *)8));
	EXPECT_EQ(EFAULT, errno);
}

TEST(unprivileged_user_can_open_read_only)
{
	struct stat st;

	ASSERT_EQ(0, stat("/dev/" TCPSTATE_DEVICE_NAME, &st));
	EXPECT_EQ(0444, st.st_mode & 0777);
}

TEST_HARNESS_MAIN
