// SPDX-License-Identifier: GPL-2.0
/*
 * Function entry hooks through ftrace, for the kernel functions that have
 * no tracepoint.
 *
 * Why not kprobes: a kprobe handler runs with the CPU's single "kprobe
 * running" slot taken, and any kprobe hit meanwhile on that CPU is dropped
 * (nmissed): a softirq that interrupts one of our handlers and reaches
 * another probed TCP function loses that fact.  An ftrace callback has no
 * such slot.  It guards against recursion itself, with the ftrace
 * recursion lock, whose bits are per context (task, softirq, hardirq,
 * NMI): a softirq interrupting a callback runs its own callbacks in full.
 * Only recursion within one context is refused, and our handlers call no
 * hooked function, so it does not happen; if it ever did, it is counted as
 * a miss of that hook, never silent.  The lock also keeps the callback on
 * its CPU (it disables preemption).
 *
 * The ops are PERMANENT: while they are registered, ftrace cannot be
 * switched off (sysctl kernel.ftrace_enabled=0 is refused), which would
 * otherwise silence every hook without a trace.
 *
 * The arguments are read from the ftrace_regs the ftrace trampoline
 * saves (DYNAMIC_FTRACE_WITH_ARGS on x86-64 in Debian's 6.1 and 6.12);
 * where the kernel lacks that, the ops asks for full registers.
 */
#include <linux/ftrace.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/trace_recursion.h>

#include "fhooks.h"
#include "tcpstate.h"

/*
 * The optional hooks this load could not place, ftrace hooks and kprobes
 * (probes.c) alike, and what goes unseen without them:
 * /sys/module/tcpstate/parameters/hooks_missing, which `tcpstate summary`
 * shows.  At most a handful; added to at load only, under the module's
 * parameter lock, which the parameter's reads take (sysfs makes the file
 * before the module's init runs).
 */
#define MISSING_MAX	8
static struct {
	const char *symbol;
	const char *lost;
} tcpstate_missing[MISSING_MAX];
static unsigned int tcpstate_nr_missing;

static int missing_get(char *buf, const struct kernel_param *kp)
{
	unsigned int i;
	int n = 0;

	for (i = 0; i < tcpstate_nr_missing; i++)
		n += sysfs_emit_at(buf, n, "%s: %s\n", tcpstate_missing[i].symbol,
				   tcpstate_missing[i].lost);
	return n;
}

void tcpstate_hook_missing(const char *symbol, const char *lost)
{
	kernel_param_lock(THIS_MODULE);
	if (tcpstate_nr_missing < MISSING_MAX) {
		tcpstate_missing[tcpstate_nr_missing].symbol = symbol;
		tcpstate_missing[tcpstate_nr_missing].lost = lost;
		tcpstate_nr_missing++;
	}
	kernel_param_unlock(THIS_MODULE);
}

static const struct kernel_param_ops missing_ops = {
	.set = tcpstate_param_read_only,
	.get = missing_get,
};

module_param_cb(hooks_missing, &missing_ops, NULL, 0444);
MODULE_PARM_DESC(hooks_missing,
		 "The optional hooks this kernel did not let the module place, one a line, with what goes unseen without them");

/* Testing only: a hook not to place, as if the kernel had refused it. */
static char *debug_skip_hook;
module_param(debug_skip_hook, charp, 0444);
MODULE_PARM_DESC(debug_skip_hook,
		 "Testing only: the symbol of an optional hook not to place (see hooks_missing)");

bool tcpstate_hook_skipped(const char *symbol)
{
	return debug_skip_hook && !strcmp(debug_skip_hook, symbol);
}

static void tcpstate_fhook_call(unsigned long ip, unsigned long parent_ip,
				struct ftrace_ops *ops, struct ftrace_regs *fregs)
{
	struct tcpstate_fhook *h = container_of(ops, struct tcpstate_fhook, ops);
	int bit;

	bit = ftrace_test_recursion_trylock(ip, parent_ip);
	if (bit < 0) {
		tcpstate_count_miss(h->miss);
		return;
	}
	/* Asked with preemption off: see main.c. */
	if (tcpstate_armed() && fregs && !tcpstate_fault_inject(h->miss))
		h->fn(fregs);
	ftrace_test_recursion_unlock(bit);
}

static int fhook_register(struct tcpstate_fhook *h)
{
	int err;

	if (!h->required && tcpstate_hook_skipped(h->symbol))
		return -EPERM;
	memset(&h->ops, 0, sizeof(h->ops));
	h->ops.func = tcpstate_fhook_call;
	h->ops.flags = FTRACE_OPS_FL_PERMANENT;
#ifndef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
	h->ops.flags |= FTRACE_OPS_FL_SAVE_REGS;
#endif
	err = ftrace_set_filter(&h->ops, (unsigned char *)h->symbol,
				strlen(h->symbol), 1);
	if (err)
		return err;
	err = register_ftrace_function(&h->ops);
	if (err)
		ftrace_free_filter(&h->ops);
	return err;
}

/*
 * Whether the running kernel has a function called @symbol at all.  ftrace
 * refuses a name it does not know and a function it cannot trace alike
 * (-EINVAL); kallsyms tells them apart, and a module reaches it only
 * through kprobes: registering a disabled kprobe (never armed) fails with
 * -ENOENT when, and only when, the name is not found.
 */
static bool fhook_symbol_exists(const char *symbol)
{
	struct kprobe kp = {
		.symbol_name = symbol,
		.flags = KPROBE_FLAG_DISABLED,
	};
	int err;

	err = register_kprobe(&kp);
	if (!err)
		unregister_kprobe(&kp);
	return err != -ENOENT;
}

/*
 * An optional hook that could not be placed loses what it sees, unless it
 * has an alternative and the kernel lacks its function: where the function
 * exists but could not be hooked, the alternative may not serve
 * (inet_twsk_hashdance_schedule may have __inet_twsk_schedule inlined).
 */
static bool fhook_lost(const struct tcpstate_fhook *h)
{
	return !h->alternative || fhook_symbol_exists(h->symbol);
}

int tcpstate_fhooks_register(struct tcpstate_fhook *hooks, unsigned int count)
{
	unsigned int i;
	int err;

	for (i = 0; i < count; i++) {
		struct tcpstate_fhook *h = &hooks[i];

		err = fhook_register(h);
		h->placed = !err;
		if (!err)
			continue;
		if (h->required) {
			pr_err("cannot hook %s (%d): %s\n", h->symbol, err, h->lost);
			tcpstate_fhooks_unregister(hooks, i);
			return err;
		}
		if (!fhook_lost(h)) {
			pr_info("not hooking %s: not in this kernel; %s\n",
				h->symbol, h->alternative);
			continue;
		}
		pr_info("not hooking %s (%d): %s\n", h->symbol, err, h->lost);
		tcpstate_hook_missing(h->symbol, h->lost);
	}
	return 0;
}

void tcpstate_fhooks_unregister(struct tcpstate_fhook *hooks, unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		struct tcpstate_fhook *h = &hooks[i];

		if (!h->placed)
			continue;
		unregister_ftrace_function(&h->ops);
		ftrace_free_filter(&h->ops);
		h->placed = false;
	}
}
