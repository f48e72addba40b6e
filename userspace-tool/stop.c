// SPDX-License-Identifier: GPL-2.0
/* Ending a long-running command on SIGINT or SIGTERM (see stop.h). */
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "stop.h"

/* Lock-free atomics are async-signal-safe. */
static atomic_bool stop;

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&stop, true);
}

void stop_on_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

bool stop_requested(void)
{
	return atomic_load(&stop);
}
