// SPDX-License-Identifier: GPL-2.0
/*
 * Testing only: fill the writer's namespace with made-up connections, so
 * that the cost of a hook with 100k or 1M entries in the table can be
 * measured without making them for real (make bench).
 *
 *   echo 1000000 > /sys/module/tcpstate/parameters/debug_fill
 *
 * adds that many ESTABLISHED entries to the table of the writer's network
 * namespace: cookies from the top of the range, which the kernel's
 * counter never reaches, and 192.0.2.0/24 (TEST-NET-1) addresses.  They
 * count as ESTABLISHED connections everywhere, until the namespace goes
 * away or a reconcile pass, which finds no such socket, removes them (so
 * a measurement sets reconcile_ms=0 first).  Nothing else calls this.
 */
#include <linux/capability.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <net/net_namespace.h>

#include "tcpstate.h"

#define FILL_MAX	(16U << 20)

static atomic64_t tcpstate_fill_next = ATOMIC64_INIT(0);

static void fill(struct net *net, unsigned int n)
{
	struct tcpstate_tuple t = { .family = AF_INET };
	unsigned int i;

	for (i = 0; i < n; i++) {
		u64 seq = atomic64_inc_return(&tcpstate_fill_next);

		/* 192.0.2.x:port -> 192.0.2.y:443, unique per entry. */
		t.saddr.s6_addr32[0] = htonl(0xc0000200 | (seq & 0xff));
		t.daddr.s6_addr32[0] = htonl(0xc0000200 | ((seq >> 8) & 0xff));
		t.sport = 1024 + ((seq >> 16) & 0x7fff);
		t.dport = 443;
		tcpstate_table_set(net, U64_MAX - seq, &t, TCPSTATE_CLOSE,
				   TCPSTATE_ESTABLISHED, 0, 0, 0,
				   TCPSTATE_CHANGE_CREATE | TCPSTATE_CHANGE_BIRTH,
				   NULL);
		if (!(i & 1023)) {
			if (fatal_signal_pending(current))
				break;
			cond_resched();
		}
	}
}

static int fill_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int err;

	err = kstrtouint(val, 0, &n);
	if (err)
		return err;
	if (n > FILL_MAX)
		return -ERANGE;
	/* Writing needs root in the initial namespace already; be explicit. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	/* Given at load, it would run before the tables exist. */
	if (!tcpstate_armed())
		return -EBUSY;
	fill(current->nsproxy->net_ns, n);
	return 0;
}

static int fill_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&tcpstate_fill_next));
}

static const struct kernel_param_ops fill_ops = {
	.set = fill_set,
	.get = fill_get,
};

module_param_cb(debug_fill, &fill_ops, NULL, 0644);
MODULE_PARM_DESC(debug_fill,
		 "Testing only: writing N adds N made-up ESTABLISHED connections to the writer's namespace; reads the total made");
