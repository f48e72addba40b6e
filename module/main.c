// SPDX-License-Identifier: GPL-2.0
/*
 * tcpstate: mirror every TCP socket's state transitions into a table per
 * network namespace, readable through /dev/tcpstate.
 *
 * This file holds module load and unload: a straight list of steps, undone
 * in reverse order.
 */
#include <linux/module.h>

#include "tcpstate.h"

static int __init tcpstate_init(void)
{
	int err;

	err = tcpstate_device_init();
	if (err)
		return err;

	pr_debug("loaded\n");
	return 0;
}

static void __exit tcpstate_exit(void)
{
	tcpstate_device_exit();
	pr_debug("unloaded\n");
}

module_init(tcpstate_init);
module_exit(tcpstate_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Mirror of the TCP state machine, TIME-WAIT included, per network namespace");
MODULE_AUTHOR("The tcpstate developers");
