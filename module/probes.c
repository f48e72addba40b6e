// SPDX-License-Identifier: GPL-2.0
/*
 * Registering the kprobes and kretprobes of the hooks_*.c files (only the
 * bind port hook needs a return value now; the rest are on ftrace, fhooks.c): each one
 * that cannot be placed on the running kernel is reported at load with
 * what is lost without it, and named in hooks_missing (fhooks.c); a set
 * fails only when none of a required group could be placed.  Misses (hits
 * the kernel could not deliver, because a probe fired inside another
 * probe's handler or no kretprobe instance was free) are summed for the
 * stats.
 */
#include <linux/kprobes.h>
#include <linux/module.h>

#include "probes.h"
#include "tcpstate.h"

static struct tcpstate_probe_set *tcpstate_sets[4];

static int probe_register(struct tcpstate_probe *p)
{
	int err;

	if (!p->group && tcpstate_hook_skipped(p->symbol)) {
		err = -EPERM;
	} else if (p->krp) {
		p->krp->kp.symbol_name = p->symbol;
		/*
		 * Room for every call in flight: the probed functions may
		 * sleep, so a task holds its instance across a reschedule.
		 * A call finding none free is a miss (nmissed), counted.
		 */
		if (!p->krp->maxactive)
			p->krp->maxactive = max(256U, 16 * num_possible_cpus());
		err = register_kretprobe(p->krp);
	} else {
		p->kp->symbol_name = p->symbol;
		err = register_kprobe(p->kp);
	}
	p->registered = !err;
	return err;
}

static void probe_unregister(struct tcpstate_probe *p)
{
	if (!p->registered)
		return;
	if (p->krp) {
		unregister_kretprobe(p->krp);
		if (p->krp->nmissed)
			pr_info("%s: %d hits missed\n", p->symbol, p->krp->nmissed);
	} else {
		unregister_kprobe(p->kp);
	}
	p->registered = false;
}

int tcpstate_probes_register(struct tcpstate_probe_set *set)
{
	unsigned int i, g;
	int err = 0;

	for (i = 0; i < set->count; i++) {
		struct tcpstate_probe *p = &set->probes[i];

		if (probe_register(p)) {
			pr_warn("cannot probe %s: %s\n", p->symbol, p->lost);
			tcpstate_hook_missing(p->symbol, p->lost);
		}
	}
	/* Every group needs at least one of its probes. */
	for (g = 1; g <= set->groups; g++) {
		bool any = false;

		for (i = 0; i < set->count; i++)
			any |= set->probes[i].group == g && set->probes[i].registered;
		if (!any)
			err = -ENOENT;
	}
	if (err) {
		pr_err("%s: a required probe could not be placed\n", set->name);
		for (i = 0; i < set->count; i++)
			probe_unregister(&set->probes[i]);
		return err;
	}
	for (i = 0; i < ARRAY_SIZE(tcpstate_sets); i++) {
		if (!tcpstate_sets[i]) {
			tcpstate_sets[i] = set;
			break;
		}
	}
	return 0;
}

void tcpstate_probes_unregister(struct tcpstate_probe_set *set)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tcpstate_sets); i++)
		if (tcpstate_sets[i] == set)
			tcpstate_sets[i] = NULL;
	for (i = 0; i < set->count; i++)
		probe_unregister(&set->probes[i]);
}

void tcpstate_probes_missed(u64 *out)
{
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(tcpstate_sets); i++) {
		struct tcpstate_probe_set *set = READ_ONCE(tcpstate_sets[i]);

		for (j = 0; set && j < set->count; j++) {
			struct tcpstate_probe *p = &set->probes[j];

			if (!p->registered)
				continue;
			out[p->miss] += p->krp ? p->krp->nmissed + p->krp->kp.nmissed :
						 p->kp->nmissed;
		}
	}
}
