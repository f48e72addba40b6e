/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Function entry hooks through ftrace (fhooks.c).
 */
#ifndef _TCPSTATE_FHOOKS_H
#define _TCPSTATE_FHOOKS_H

#include <linux/ftrace.h>
#include <linux/ptrace.h>
#include <linux/types.h>

/* Called at the entry of @symbol with its arguments in @fregs. */
typedef void (*tcpstate_fhook_fn)(struct ftrace_regs *fregs);

struct tcpstate_fhook {
	const char *symbol;
	tcpstate_fhook_fn fn;
	int miss;		/* enum tcpstate_miss of what it sees */
	const char *lost;	/* what goes unseen without this hook */
	bool required;		/* the load fails without it */
	/*
	 * What serves instead on kernels without @symbol at all: such a
	 * kernel loses nothing, and it is not named in hooks_missing.
	 */
	const char *alternative;
	bool placed;
	struct ftrace_ops ops;
};

int tcpstate_fhooks_register(struct tcpstate_fhook *hooks, unsigned int count);
void tcpstate_fhooks_unregister(struct tcpstate_fhook *hooks, unsigned int count);

/* Argument @n (from 0) of the hooked function. */
static __always_inline unsigned long tcpstate_farg(struct ftrace_regs *fregs,
						   unsigned int n)
{
#ifdef ftrace_regs_get_argument
	return ftrace_regs_get_argument(fregs, n);
#else
	return regs_get_kernel_argument(&fregs->regs, n);
#endif
}

#endif /* _TCPSTATE_FHOOKS_H */
