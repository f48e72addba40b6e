// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstate: mirror every TCP socket's state transitions into a table per
 * network namespace, readable through /dev/tcpstate.
 *
 * Load is a straight list of steps, unload its mirror image: the tables
 * first, then the hooks that fill them, switched on together, then the
 * sockets that already exist, the reconcile pass that keeps them equal,
 * and the device last, so a reader never sees a half-seeded table.
 * No pointer into a kernel object is kept anywhere but counted references
 * to the struct pid of connections' owners, dropped with their entries,
 * so live sockets are untouched by unload.
 */
#include <linux/build_bug.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <net/tcp_states.h>

#include "tcpstate.h"

/*
 * Placing the hooks is one text patch after another, each synchronising
 * every CPU (milliseconds under emulation).  Were each live as soon as it
 * is placed, a hook that makes an entry could run before the one that
 * removes it was there: a request promoted, or a timewait socket killed,
 * in between would leave an entry behind.  So every hook does nothing
 * until all are placed, and they are switched on together, before the
 * seed walk: what the hooks ignored, the walk finds in the kernel's hash.
 * A flag, not a static key: no more code is patched at load and unload
 * than the hooks themselves (patching code that a storm runs through hung
 * QEMU 7.2's guests: see the README).
 * Every hook runs with preemption off, so a grace period after the switch
 * sees out each one that found it off, and with it what the kernel does
 * after it in the same softirq or bh-off section (a timewait socket
 * hashed, a request queued or promoted).  What remains is a state stored
 * by a task holding the socket's lock, preemptible after the hook: a
 * socket the walk reads before that store lags by one state, until its
 * next change or the reconcile pass.
 */
bool tcpstate_hooks_on;

/*
 * The .set of a read-only parameter made with module_param_cb(): the
 * kernel calls it for a value given at load (parse_one() has no check for
 * a missing one), and sysfs never, as the file is not writable.
 */
int tcpstate_param_read_only(const char *val, const struct kernel_param *kp)
{
	return -EPERM;
}

static void tcpstate_check_abi(void)
{
	BUILD_BUG_ON((int)TCPSTATE_ESTABLISHED != TCP_ESTABLISHED);
	BUILD_BUG_ON((int)TCPSTATE_SYN_SENT != TCP_SYN_SENT);
	BUILD_BUG_ON((int)TCPSTATE_SYN_RECV != TCP_SYN_RECV);
	BUILD_BUG_ON((int)TCPSTATE_FIN_WAIT1 != TCP_FIN_WAIT1);
	BUILD_BUG_ON((int)TCPSTATE_FIN_WAIT2 != TCP_FIN_WAIT2);
	BUILD_BUG_ON((int)TCPSTATE_TIME_WAIT != TCP_TIME_WAIT);
	BUILD_BUG_ON((int)TCPSTATE_CLOSE != TCP_CLOSE);
	BUILD_BUG_ON((int)TCPSTATE_CLOSE_WAIT != TCP_CLOSE_WAIT);
	BUILD_BUG_ON((int)TCPSTATE_LAST_ACK != TCP_LAST_ACK);
	BUILD_BUG_ON((int)TCPSTATE_LISTEN != TCP_LISTEN);
	BUILD_BUG_ON((int)TCPSTATE_CLOSING != TCP_CLOSING);
	/* Sizes are ABI: no implicit padding, 8-byte multiples. */
	BUILD_BUG_ON(sizeof(struct tcpstate_conn) != 104);
	BUILD_BUG_ON(offsetof(struct tcpstate_conn, uid) != TCPSTATE_CONN_SIZE_V1);
	BUILD_BUG_ON(sizeof(struct tcpstate_snapshot) != 40);
	BUILD_BUG_ON(sizeof(struct tcpstate_stats) !=
		     24 + 8 * (TCPSTATE_STATE_MAX +
			       TCPSTATE_STATE_MAX * TCPSTATE_STATE_MAX +
			       TCPSTATE_TW_EXIT_MAX + 10 +
			       TCPSTATE_MISS_SLOTS + 5 +
			       TCPSTATE_DROP_SLOTS + 2));
	BUILD_BUG_ON(TCPSTATE_MISS_MAX > TCPSTATE_MISS_SLOTS);
	BUILD_BUG_ON(TCPSTATE_DROP_MAX > TCPSTATE_DROP_SLOTS);
	BUILD_BUG_ON(sizeof(struct tcpstate_quota) != 56);
	BUILD_BUG_ON(sizeof(struct tcpstate_event) != 128);
	BUILD_BUG_ON(offsetof(struct tcpstate_event, uid) != TCPSTATE_EVENT_SIZE_V1);
	BUILD_BUG_ON(sizeof(struct tcpstate_netns) != 16);
	BUILD_BUG_ON(sizeof(struct tcpstate_netns_list) != 24);
	BUILD_BUG_ON(TCPSTATE_TW_EXIT_MAX >= TCPSTATE_TW_EXIT_NONE);
	BUILD_BUG_ON(sizeof(struct tcpstate_port_failure) != 96);
	BUILD_BUG_ON(offsetof(struct tcpstate_port_failure, uid) !=
		     TCPSTATE_PORT_FAILURE_SIZE_V1);
	BUILD_BUG_ON(sizeof(struct tcpstate_ports) != 80);
}

static int __init tcpstate_init(void)
{
	int err;

	tcpstate_check_abi();

	err = tcpstate_table_init();
	if (err)
		return err;
	err = tcpstate_timewait_hooks_init();
	if (err)
		goto err_table;
	err = tcpstate_request_hooks_init();
	if (err)
		goto err_timewait_hooks;
	err = tcpstate_state_hook_init();
	if (err)
		goto err_request_hooks;
	err = tcpstate_port_hooks_init();
	if (err)
		goto err_state_hook;
	err = tcpstate_owner_hooks_init();
	if (err)
		goto err_port_hooks;
	WRITE_ONCE(tcpstate_hooks_on, true);
	synchronize_rcu();
	tcpstate_sockets_walk(NULL, 0);
	err = tcpstate_reconcile_init();
	if (err)
		goto err_hooks_on;
	err = tcpstate_device_init();
	if (err)
		goto err_reconcile;
	return 0;

err_reconcile:
	tcpstate_reconcile_exit();
err_hooks_on:
	WRITE_ONCE(tcpstate_hooks_on, false);
	tcpstate_owner_hooks_exit();
err_port_hooks:
	tcpstate_port_hooks_exit();
err_state_hook:
	tcpstate_state_hook_exit();
err_request_hooks:
	tcpstate_request_hooks_exit();
err_timewait_hooks:
	tcpstate_timewait_hooks_exit();
err_table:
	tcpstate_table_exit();
	return err;
}

static void __exit tcpstate_exit(void)
{
	tcpstate_device_exit();
	tcpstate_reconcile_exit();
	WRITE_ONCE(tcpstate_hooks_on, false);
	tcpstate_owner_hooks_exit();
	tcpstate_port_hooks_exit();
	tcpstate_state_hook_exit();
	tcpstate_request_hooks_exit();
	tcpstate_timewait_hooks_exit();
	tcpstate_table_exit();
}

module_init(tcpstate_init);
module_exit(tcpstate_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Mirror of the TCP state machine, TIME-WAIT included, per network namespace");
MODULE_AUTHOR("The tcpstate developers");
