// SPDX-License-Identifier: GPL-2.0
/*
 * Misses: facts about a connection that did not reach the table.  Each is
 * counted against the hook that should have delivered it (enum
 * tcpstate_miss), so that no loss is silent, and each wakes the reconcile
 * pass, which repairs the table from the kernel's sockets.
 *
 * The hooks on ftrace and the tracepoint do not miss by construction; what
 * is counted for them is what our own code refused: no memory for an
 * entry, and the fault injection below.  The remaining kretprobe
 * (bind's, hooks_ports.c) adds the hits the kprobes core could not deliver.
 *
 * Fault injection (debug_miss_every=N): every Nth call of each hook is
 * dropped on purpose and counted, to test that misses are seen and healed.
 */
#include <linux/atomic.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/processor.h>

#include "tcpstate.h"

unsigned int tcpstate_debug_miss_every __read_mostly;
module_param_named(debug_miss_every, tcpstate_debug_miss_every, uint, 0644);
MODULE_PARM_DESC(debug_miss_every,
		 "Testing only: drop every Nth call of each hook, counted as a miss (default 0: never)");

static atomic_long_t tcpstate_missed[TCPSTATE_MISS_MAX];
static atomic_t tcpstate_hook_calls[TCPSTATE_MISS_MAX];

void tcpstate_count_miss(int kind)
{
	if (kind >= 0 && kind < TCPSTATE_MISS_MAX)
		atomic_long_inc(&tcpstate_missed[kind]);
}

bool __tcpstate_fault_inject(int kind)
{
	unsigned int every = READ_ONCE(tcpstate_debug_miss_every);

	if (!every || kind < 0 || kind >= TCPSTATE_MISS_MAX)
		return false;
	if ((unsigned int)atomic_inc_return(&tcpstate_hook_calls[kind]) % every)
		return false;
	tcpstate_count_miss(kind);
	return true;
}

u64 tcpstate_misses_read(u64 out[TCPSTATE_MISS_MAX])
{
	u64 total = 0;
	int i;

	for (i = 0; i < TCPSTATE_MISS_MAX; i++)
		out[i] = atomic_long_read(&tcpstate_missed[i]);
	tcpstate_probes_missed(out);
	for (i = 0; i < TCPSTATE_MISS_MAX; i++)
		total += out[i];
	return total;
}

/*
 * Testing only: spin for @ms (at most 5000), in whatever context the
 * caller is, and return how long it took in ms.  Not mdelay(): it counts
 * loops calibrated per CPU at boot, and an emulated vCPU's calibration
 * can be off a thousandfold (a 2 s hold seen lasting 4 ms).  The clock is
 * right on every vCPU.
 */
u64 tcpstate_debug_hold(unsigned int ms, const unsigned int *release)
{
	u64 start = ktime_get_ns();
	u64 end = start + (u64)min(ms, 5000U) * NSEC_PER_MSEC;

	while (ktime_get_ns() < end && (!release || READ_ONCE(*release)))
		cpu_relax();
	return div_u64(ktime_get_ns() - start, NSEC_PER_MSEC);
}
