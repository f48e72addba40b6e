// SPDX-License-Identifier: GPL-2.0
/*
 * The character device /dev/tcpstate: its ioctls and its event stream.
 *
 * An open file is bound to the network namespace of the process that
 * opened it, and holds a reference to it.  Any user may open the device:
 * like /proc/net/tcp, it shows only the opener's own namespace.  Another
 * namespace takes what entering it takes, so that the device shows no
 * namespace its reader could not see anyway: setns(2) (and so `ss -N`)
 * wants CAP_SYS_ADMIN over the namespace's user namespace and in the
 * caller's own.  Every namespace at once takes CAP_SYS_ADMIN in the
 * initial user namespace, which is over them all.  CAP_NET_ADMIN is not
 * enough for either: it lets no one into another namespace (a container
 * or a network daemon granted it sees only its own).  It is what the
 * module-wide counters take (sums, no namespace's own), and reset, and
 * restraining a namespace's quota; setting one freely takes it in the
 * initial user namespace from the initial network namespace.
 *
 * The event stream starts at the first read() or poll(): files that only
 * ask for stats cost the network nothing.
 *
 * What a file shows of a connection's owner (owner.c) is fixed at open:
 * uids in the opener's user namespace, pids in its PID namespace, and pid
 * and comm only of processes it could see (tcpstate_view).
 *
 * Commands are matched on type, number and direction, not size: the
 * structures start with their size and grow at the end, and the kernel
 * copies min(caller's size, its own).
 */
#include <linux/capability.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/nsproxy.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>

#include <linux/tcpstate.h>

#include "tcpstate.h"

/* Largest structure size a caller may claim: far beyond any future one. */
#define TCPSTATE_MAX_STRUCT_SIZE	(64 * 1024)

#define TCPSTATE_IOC_KIND(cmd)	((cmd) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT))

/* What an open file is bound to. */
struct tcpstate_file {
	struct mutex lock;		/* protects the fields below */
	struct net *net;		/* held; NULL: every namespace */
	struct tcpstate_reader *reader;	/* NULL until the stream starts */
	struct tcpstate_view view;	/* what it may see of owners */
};

/*
 * May the file see every process's pid and comm?  Only for the namespace
 * it reads (every namespace: its opener has CAP_NET_ADMIN in the initial
 * user namespace).  The caller holds tf->lock, or is opening the file.
 */
static void tcpstate_view_update(struct tcpstate_file *tf, struct file *file)
{
	struct user_namespace *ns = tf->net ? tf->net->user_ns : &init_user_ns;
	bool all = file_ns_capable(file, ns, CAP_SYS_PTRACE) ||
		   file_ns_capable(file, ns, CAP_NET_ADMIN);

	WRITE_ONCE(tf->view.all, all);
}

static int tcpstate_open(struct inode *inode, struct file *file)
{
	struct tcpstate_file *tf;

	tf = kzalloc(sizeof(*tf), GFP_KERNEL_ACCOUNT);
	if (!tf)
		return -ENOMEM;
	mutex_init(&tf->lock);
	tf->net = get_net(current->nsproxy->net_ns);
	tf->view.cred = file->f_cred;
	tf->view.pid_ns = get_pid_ns(task_active_pid_ns(current));
	/* Decided by the opener, as the slot's owner is (f_cred). */
	tf->view.admin = ns_capable_noaudit(&init_user_ns, CAP_NET_ADMIN);
	tcpstate_view_update(tf, file);
	file->private_data = tf;
	return 0;
}

static int tcpstate_release(struct inode *inode, struct file *file)
{
	struct tcpstate_file *tf = file->private_data;

	tcpstate_reader_free(tf->reader);
	if (tf->net)
		put_net(tf->net);
	put_pid_ns(tf->view.pid_ns);
	mutex_destroy(&tf->lock);
	kfree(tf);
	return 0;
}

/* Put the file's reader where its events are; the caller holds tf->lock. */
static void tcpstate_file_attach(struct tcpstate_file *tf)
{
	struct list_head *readers;

	if (!tf->net) {
		tcpstate_reader_attach(tf->reader, NULL);
		return;
	}
	/* A namespace we hold cannot be dying; be safe all the same. */
	readers = tcpstate_table_readers(tf->net);
	if (readers)
		tcpstate_reader_attach(tf->reader, readers);
}

/* The file's reader, started on first use. */
static struct tcpstate_reader *tcpstate_file_reader(struct tcpstate_file *tf)
{
	struct tcpstate_reader *r;

	mutex_lock(&tf->lock);
	r = tf->reader;
	if (!r) {
		r = tcpstate_reader_new(&tf->view);
		if (!IS_ERR(r)) {
			tf->reader = r;
			tcpstate_file_attach(tf);
		}
	}
	mutex_unlock(&tf->lock);
	return r;
}

static ssize_t tcpstate_read(struct file *file, char __user *buf, size_t count,
			     loff_t *ppos)
{
	struct tcpstate_reader *r;

	if (count < TCPSTATE_EVENT_SIZE_V1)
		return -EINVAL;
	r = tcpstate_file_reader(file->private_data);
	if (IS_ERR(r))
		return PTR_ERR(r);
	return tcpstate_reader_read(r, buf, count, file->f_flags & O_NONBLOCK);
}

static __poll_t tcpstate_poll(struct file *file, poll_table *wait)
{
	struct tcpstate_reader *r = tcpstate_file_reader(file->private_data);

	if (IS_ERR(r))
		return EPOLLERR;
	return tcpstate_reader_poll(r, file, wait);
}

/*
 * Read a request structure that starts with its __u32 size: the caller
 * must know at least @ksize bytes of it; a larger one is fine (it grew).
 */
static int tcpstate_get_request(void *req, size_t ksize, void __user *uarg)
{
	u32 usize;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < ksize || usize > TCPSTATE_MAX_STRUCT_SIZE)
		return -EINVAL;
	if (copy_from_user(req, uarg, ksize))
		return -EFAULT;
	return 0;
}

/*
 * Copy @n records of @ksize bytes to user memory at @uptr, where each is
 * @usize bytes: the first min(@usize, @ksize) of each, the rest zeroed (a
 * caller built against an older header knows fewer fields).
 */
static int tcpstate_put_records(u64 uptr, u32 usize, const void *src,
				size_t ksize, u32 n)
{
	size_t copy = min_t(size_t, usize, ksize);
	u32 i;

	for (i = 0; i < n; i++) {
		void __user *dst = u64_to_user_ptr(uptr + (u64)i * usize);

		if (copy_to_user(dst, (const u8 *)src + i * ksize, copy) ||
		    (usize > ksize && clear_user(dst + ksize, usize - ksize)))
			return -EFAULT;
	}
	return 0;
}

static long tcpstate_ioctl_version(u32 __user *uarg)
{
	return put_user((u32)TCPSTATE_ABI_VERSION, uarg);
}

/* Module-wide counters cross namespaces: for the initial namespace's admin. */
static bool tcpstate_module_wide_allowed(void)
{
	return ns_capable_noaudit(&init_user_ns, CAP_NET_ADMIN);
}

/* Whether the caller may enter @net (setns(2)): then it may see it here. */
static bool tcpstate_may_enter(struct net *net)
{
	return ns_capable(net->user_ns, CAP_SYS_ADMIN) &&
	       ns_capable(current_user_ns(), CAP_SYS_ADMIN);
}

static void tcpstate_stats_gate(struct tcpstate_stats *st)
{
	if (tcpstate_module_wide_allowed()) {
		st->flags |= TCPSTATE_STATS_MODULE_WIDE;
		return;
	}
	st->all_entries = 0;
	st->all_dropped = 0;
	st->all_tw_netns_exits = 0;
	st->probe_misses = 0;
	memset(st->misses, 0, sizeof(st->misses));
}

static long tcpstate_ioctl_stats(struct tcpstate_file *tf, void __user *uarg)
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
	mutex_lock(&tf->lock);
	if (!tf->net) {
		mutex_unlock(&tf->lock);
		kfree(st);
		return -EINVAL;
	}
	tcpstate_table_stats(tf->net, st);
	if (tf->reader)
		st->events_lost = tcpstate_reader_lost(tf->reader);
	mutex_unlock(&tf->lock);
	tcpstate_stats_gate(st);
	st->size = min_t(u32, usize, sizeof(*st));
	if (copy_to_user(uarg, st, st->size))
		err = -EFAULT;
	kfree(st);
	return err;
}

static long tcpstate_ioctl_snapshot(struct tcpstate_file *tf, void __user *uarg)
{
	struct tcpstate_snapshot req;
	struct tcpstate_conn *buf;
	unsigned int n;
	bool done;
	long err;

	err = tcpstate_get_request(&req, sizeof(req), uarg);
	if (err)
		return err;
	if (req.conn_size < TCPSTATE_CONN_SIZE_V1 ||
	    req.conn_size > TCPSTATE_MAX_STRUCT_SIZE)
		return -EINVAL;
	if (req.count > TCPSTATE_SNAPSHOT_MAX_COUNT)
		req.count = TCPSTATE_SNAPSHOT_MAX_COUNT;

	buf = kvmalloc_array(max(req.count, 1U), sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	mutex_lock(&tf->lock);
	if (!tf->net) {
		mutex_unlock(&tf->lock);
		err = -EINVAL;
		goto out;
	}
	n = tcpstate_table_snapshot(tf->net, req.cursor, buf, req.count, &done,
				    &tf->view);
	mutex_unlock(&tf->lock);

	err = tcpstate_put_records(req.conns, req.conn_size, buf, sizeof(*buf), n);
	if (err)
		goto out;
	req.count = n;
	req.flags = done ? TCPSTATE_SNAPSHOT_DONE : 0;
	if (copy_to_user(uarg, &req, sizeof(req)))
		err = -EFAULT;
out:
	kvfree(buf);
	return err;
}

static long tcpstate_ioctl_netns(struct file *file, struct tcpstate_file *tf,
				 void __user *uarg)
{
	struct tcpstate_netns req;
	struct net *net = NULL;
	int err;

	err = tcpstate_get_request(&req, sizeof(req), uarg);
	if (err)
		return err;
	if (req.flags & ~TCPSTATE_NETNS_ALL)
		return -EINVAL;

	if (req.flags & TCPSTATE_NETNS_ALL) {
		if (req.fd != -1)
			return -EINVAL;
		if (!tcpstate_may_enter(&init_net))
			return -EPERM;
	} else {
		net = get_net_ns_by_fd(req.fd);
		if (IS_ERR(net))
			return PTR_ERR(net);
		if (!tcpstate_may_enter(net)) {
			put_net(net);
			return -EPERM;
		}
	}

	/* Answer first: a bad pointer leaves the file as it was. */
	req.netns = net ? net->ns.inum : 0;
	if (put_user(req.netns, &((struct tcpstate_netns __user *)uarg)->netns)) {
		if (net)
			put_net(net);
		return -EFAULT;
	}

	mutex_lock(&tf->lock);
	if (tf->reader)
		tcpstate_reader_detach(tf->reader);
	if (tf->net)
		put_net(tf->net);
	tf->net = net;
	tcpstate_view_update(tf, file);
	if (tf->reader)
		tcpstate_file_attach(tf);
	mutex_unlock(&tf->lock);
	return 0;
}

struct tcpstate_list_ctx {
	struct tcpstate_net_visitor visitor;
	struct tcpstate_stats *buf;	/* room for req.count records */
	struct tcpstate_netns_list req;
	u32 total;
};

/* With the namespace pinned, whose exit waits: copy to the kernel buffer only. */
static int tcpstate_list_one(struct tcpstate_net_visitor *v,
			     struct tcpstate_stats *st)
{
	struct tcpstate_list_ctx *ctx = container_of(v, struct tcpstate_list_ctx, visitor);

	if (ctx->total < ctx->req.count)
		ctx->buf[ctx->total] = *st;
	ctx->total++;
	return 0;
}

static long tcpstate_ioctl_netns_list(void __user *uarg)
{
	struct tcpstate_list_ctx ctx = { .visitor.visit = tcpstate_list_one };
	u32 size, i;
	long err;

	err = tcpstate_get_request(&ctx.req, sizeof(ctx.req), uarg);
	if (err)
		return err;
	size = ctx.req.stats_size;
	if (size < offsetofend(struct tcpstate_stats, netns) ||
	    size > TCPSTATE_MAX_STRUCT_SIZE)
		return -EINVAL;
	/* Each namespace's own counters: as for TCPSTATE_NETNS_ALL. */
	if (!tcpstate_may_enter(&init_net))
		return -EPERM;

	ctx.req.count = min_t(u32, ctx.req.count, TCPSTATE_NETNS_LIST_MAX_COUNT);
	ctx.buf = kvcalloc(max(ctx.req.count, 1U), sizeof(*ctx.buf), GFP_KERNEL);
	if (!ctx.buf)
		return -ENOMEM;
	err = tcpstate_table_visit_nets(&ctx.visitor);
	if (err)
		goto out;

	ctx.req.count = min(ctx.req.count, ctx.total);
	for (i = 0; i < ctx.req.count; i++) {
		struct tcpstate_stats *st = &ctx.buf[i];
		void __user *dst = u64_to_user_ptr(ctx.req.stats + (u64)i * size);

		tcpstate_stats_gate(st);
		st->size = min_t(u32, size, sizeof(*st));
		if (copy_to_user(dst, st, st->size) ||
		    (size > st->size && clear_user(dst + st->size, size - st->size))) {
			err = -EFAULT;
			goto out;
		}
	}
	ctx.req.total = ctx.total;
	if (copy_to_user(uarg, &ctx.req, sizeof(ctx.req)))
		err = -EFAULT;
out:
	kvfree(ctx.buf);
	return err;
}

static long tcpstate_ioctl_reset(struct tcpstate_file *tf)
{
	long err = 0;

	mutex_lock(&tf->lock);
	if (!tf->net)
		err = -EINVAL;
	else if (!ns_capable(tf->net->user_ns, CAP_NET_ADMIN))
		err = -EPERM;
	else
		err = tcpstate_table_reset(tf->net);
	mutex_unlock(&tf->lock);
	return err;
}

/*
 * A namespace's own root (every capability over its user namespace, as
 * unshare -Urn gives) may lower its quota; only the initial namespace's
 * admin may raise one, or a namespace could take what it was not given.
 * That admin is the caller with CAP_NET_ADMIN in the initial user
 * namespace and in the initial network namespace: a container that
 * shares the host's user namespace but has a network namespace of its
 * own (a CNI plugin's, a service mesh's init container) holds
 * CAP_NET_ADMIN there, yet is no admin of the host's network.  The admin
 * reaches a namespace's quota through a file switched to it.
 */
static long tcpstate_ioctl_quota(struct tcpstate_file *tf, void __user *uarg)
{
	struct tcpstate_quota req;
	bool lower, admin;
	long err;

	err = tcpstate_get_request(&req, sizeof(req), uarg);
	if (err)
		return err;
	mutex_lock(&tf->lock);
	if (!tf->net) {
		mutex_unlock(&tf->lock);
		return -EINVAL;
	}
	lower = ns_capable_noaudit(tf->net->user_ns, CAP_NET_ADMIN);
	admin = net_eq(current->nsproxy->net_ns, &init_net) &&
		ns_capable_noaudit(&init_user_ns, CAP_NET_ADMIN);
	err = tcpstate_table_quota(tf->net, &req, lower, admin);
	mutex_unlock(&tf->lock);
	if (err)
		return err;
	if (copy_to_user(uarg, &req, sizeof(req)))
		return -EFAULT;
	return 0;
}

static long tcpstate_ioctl_ports(struct tcpstate_file *tf, void __user *uarg)
{
	struct tcpstate_port_failure *buf;
	struct tcpstate_ports req;
	u32 room, n;
	long err;

	err = tcpstate_get_request(&req, sizeof(req), uarg);
	if (err)
		return err;
	if (req.failure_size < TCPSTATE_PORT_FAILURE_SIZE_V1 ||
	    req.failure_size > TCPSTATE_MAX_STRUCT_SIZE)
		return -EINVAL;
	room = min(req.count, tcpstate_port_failures_kept());
	buf = kvcalloc(max(room, 1U), sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	mutex_lock(&tf->lock);
	if (!tf->net) {
		mutex_unlock(&tf->lock);
		err = -EINVAL;
		goto out;
	}
	memset(req.total, 0, sizeof(req.total));
	req.pad = 0;
	n = tcpstate_table_ports(tf->net, &req, buf, room, &tf->view);
	mutex_unlock(&tf->lock);

	err = tcpstate_put_records(req.failures, req.failure_size, buf,
				   sizeof(*buf), n);
	if (err)
		goto out;
	req.count = n;
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
	struct tcpstate_file *tf = file->private_data;

	if (_IOC_TYPE(cmd) != TCPSTATE_IOC_MAGIC)
		return -ENOTTY;
	switch (TCPSTATE_IOC_KIND(cmd)) {
	case TCPSTATE_IOC_KIND(TCPSTATE_IOC_VERSION):
		return tcpstate_ioctl_version(uarg);
	case TCPSTATE_IOC_KIND(TCPSTATE_IOC_STATS):
		return tcpstate_ioctl_stats(tf, uarg);
	case TCPSTATE_IOC_KIND(TCPSTATE_IOC_SNAPSHOT):
		return tcpstate_ioctl_snapshot(tf, uarg);
	case TCPSTATE_IOC_KIND(TCPSTATE_IOC_NETNS):
		return tcpstate_ioctl_netns(file, tf, uarg);
	case TCPSTATE_IOC_KIND(TCPSTATE_IOC_NETNS_LIST):
		return tcpstate_ioctl_netns_list(uarg);
	case TCPSTATE_IOC_KIND(TCPSTATE_IOC_RESET):
		return tcpstate_ioctl_reset(tf);
	case TCPSTATE_IOC_KIND(TCPSTATE_IOC_PORTS):
		return tcpstate_ioctl_ports(tf, uarg);
	case TCPSTATE_IOC_KIND(TCPSTATE_IOC_QUOTA):
		return tcpstate_ioctl_quota(tf, uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations tcpstate_fops = {
	.owner		= THIS_MODULE,
	.open		= tcpstate_open,
	.release	= tcpstate_release,
	.read		= tcpstate_read,
	.poll		= tcpstate_poll,
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
