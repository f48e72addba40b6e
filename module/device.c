// SPDX-License-Identifier: GPL-2.0
/*
 * The character device /dev/tcpstate and its ioctls.
 *
 * An open file is bound to the network namespace of the process that
 * opened it, and holds a reference to it.  Any user may open the device:
 * like /proc/net/tcp, it shows only the opener's own namespace.
 *
 * Commands are matched on type, number and direction, not size: the
 * structures start with their size and grow at the end, and the kernel
 * copies min(caller's size, its own).
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>

#include <linux/tcpstate.h>

#include "tcpstate.h"

/* Largest structure size a caller may claim: far beyond any future one. */
#define TCPSTATE_MAX_STRUCT_SIZE	(64 * 1024)

#define TCPSTATE_IOC_KIND(cmd)	((cmd) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT))

static int tcpstate_open(struct inode *inode, struct file *file)
{
	file->private_data = get_net(current->nsproxy->net_ns);
	return 0;
}

static int tcpstate_release(struct inode *inode, struct file *file)
{
	put_net(file->private_data);
	return 0;
}

static long tcpstate_ioctl_version(u32 __user *uarg)
{
	return put_user((u32)TCPSTATE_ABI_VERSION, uarg);
}

static long tcpstate_ioctl_stats(struct net *net, void __user *uarg)
{
	struct tcpstate_stats *st;
	u32 usize;
	long err = 0;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < offsetofend(struct tcpstate_stats, state_max) ||
	    usize > TCPSTATE_MAX_STRUCT_SIZE)
		return -EINVAL;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	tcpstate_table_stats(net, st);
	st->probe_misses = tcpstate_probe_misses();
	st->size = min_t(u32, usize, sizeof(*st));
	if (copy_to_user(uarg, st, st->size))
		err = -EFAULT;
	kfree(st);
	return err;
}

static long tcpstate_ioctl_snapshot(struct net *net, void __user *uarg)
{
	struct tcpstate_snapshot req;
	struct tcpstate_conn *buf;
	unsigned int n, i, copy;
	bool done;
	u32 usize;
	long err = 0;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < sizeof(req) || usize > TCPSTATE_MAX_STRUCT_SIZE)
		return -EINVAL;
	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.conn_size < sizeof(struct tcpstate_conn) ||
	    req.conn_size > TCPSTATE_MAX_STRUCT_SIZE)
		return -EINVAL;
	if (req.count > TCPSTATE_SNAPSHOT_MAX_COUNT)
		req.count = TCPSTATE_SNAPSHOT_MAX_COUNT;

	buf = kvmalloc_array(max(req.count, 1U), sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	n = tcpstate_table_snapshot(net, req.cursor, buf, req.count, &done);

	copy = sizeof(*buf);
	for (i = 0; i < n; i++) {
		void __user *dst = u64_to_user_ptr(req.conns + (u64)i * req.conn_size);

		if (copy_to_user(dst, &buf[i], copy) ||
		    (req.conn_size > copy && clear_user(dst + copy, req.conn_size - copy))) {
			err = -EFAULT;
			goto out;
		}
	}
	req.count = n;
	req.flags = done ? TCPSTATE_SNAPSHOT_DONE : 0;
	if (copy_to_user(uarg, &req, sizeof(req)))
		err = -EFAULT;
out:
	kvfree(buf);
	return err;
}

static long tcpstate_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	struct net *net = file->private_data;

	if (_IOC_TYPE(cmd) != TCPSTATE_IOC_MAGIC)
		return -ENOTTY;
	switch (TCPSTATE_IOC_KIND(cmd)) {
	case TCPSTATE_IOC_KIND(TCPSTATE_IOC_VERSION):
		return tcpstate_ioctl_version(uarg);
	case TCPSTATE_IOC_KIND(TCPSTATE_IOC_STATS):
		return tcpstate_ioctl_stats(net, uarg);
	case TCPSTATE_IOC_KIND(TCPSTATE_IOC_SNAPSHOT):
		return tcpstate_ioctl_snapshot(net, uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations tcpstate_fops = {
	.owner		= THIS_MODULE,
	.open		= tcpstate_open,
	.release	= tcpstate_release,
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
