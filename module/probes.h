/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A set of kprobes/kretprobes registered together (probes.c).
 */
#ifndef _TCPSTATE_PROBES_H
#define _TCPSTATE_PROBES_H

#include <linux/kprobes.h>
#include <linux/types.h>

struct tcpstate_probe {
	const char *symbol;
	const char *lost;	/* what goes unseen without this probe */
	unsigned int group;	/* 0: optional; N: one of group N is required */
	int miss;		/* enum tcpstate_miss its nmissed counts as */
	struct kprobe *kp;	/* exactly one of kp and krp */
	struct kretprobe *krp;
	bool registered;
};

struct tcpstate_probe_set {
	const char *name;
	struct tcpstate_probe *probes;
	unsigned int count;
	unsigned int groups;
};

int tcpstate_probes_register(struct tcpstate_probe_set *set);
void tcpstate_probes_unregister(struct tcpstate_probe_set *set);

/* The bool a probed function returned: only the low byte is defined. */
static inline bool tcpstate_ret_bool(struct pt_regs *regs)
{
	return regs_return_value(regs) & 0xff;
}

#endif /* _TCPSTATE_PROBES_H */
