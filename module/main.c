// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstate: mirror every TCP socket's state transitions into a table per
 * network namespace, readable through /dev/tcpstate.
 *
 * Load is a straight list of steps, unload its mirror image: the tables
 * first, then the hooks that fill them, then the sockets that already
 * exist, the reconcile pass that keeps them equal, and the device last, so
 * a reader never sees a half-seeded table.
 * No pointer into a kernel object is kept anywhere but counted references
 * to the struct pid of connections' owners, dropped with their entries,
 * so live sockets are untouched by unload.
 */
#include <linux/build_bug.h>
#include <linux/module.h>
#include <net/tcp_states.h>

#include "tcpstate.h"

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
	tcpstate_sockets_walk(NULL, 0);
	err = tcpstate_reconcile_init();
	if (err)
		goto err_owner_hooks;
	err = tcpstate_device_init();
	if (err)
		goto err_reconcile;
	return 0;

err_reconcile:
	tcpstate_reconcile_exit();
err_owner_hooks:
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
