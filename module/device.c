// SPDX-License-Identifier: GPL-2.0
/*
 * The character device /dev/tcpstate and its ioctls.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include <linux/tcpstate.h>

#include "tcpstate.h"

static long tcpstate_ioctl_version(u32 __user *uarg)
{
	return put_user((u32)TCPSTATE_ABI_VERSION, uarg);
}

static long tcpstate_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case TCPSTATE_IOC_VERSION:
		return tcpstate_ioctl_version(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations tcpstate_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= tcpstate_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice tcpstate_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= TCPSTATE_DEVICE_NAME,
	.fops	= &tcpstate_fops,
	.mode	= 0444,
};

int tcpstate_device_init(void)
{
	return misc_register(&tcpstate_misc);
}

void tcpstate_device_exit(void)
{
	misc_deregister(&tcpstate_misc);
}
