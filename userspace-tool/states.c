// SPDX-License-Identifier: GPL-2.0
/*
 * Names of TCP states, timewait exit causes and the hooks that can miss a
 * fact, indexed by the uapi values.
 */
#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include <linux/tcpstate.h>

#include "kernel.h"
#include "states.h"

static const char *const ss_names[TCPSTATE_STATE_MAX] = {
	[TCPSTATE_ESTABLISHED]	= "ESTAB",
	[TCPSTATE_SYN_SENT]	= "SYN-SENT",
	[TCPSTATE_SYN_RECV]	= "SYN-RECV",
	[TCPSTATE_FIN_WAIT1]	= "FIN-WAIT-1",
	[TCPSTATE_FIN_WAIT2]	= "FIN-WAIT-2",
	[TCPSTATE_TIME_WAIT]	= "TIME-WAIT",
	[TCPSTATE_CLOSE]	= "CLOSED",
	[TCPSTATE_CLOSE_WAIT]	= "CLOSE-WAIT",
	[TCPSTATE_LAST_ACK]	= "LAST-ACK",
	[TCPSTATE_LISTEN]	= "LISTEN",
	[TCPSTATE_CLOSING]	= "CLOSING",
};

static const char *const keys[TCPSTATE_STATE_MAX] = {
	[TCPSTATE_ESTABLISHED]	= "established",
	[TCPSTATE_SYN_SENT]	= "syn_sent",
	[TCPSTATE_SYN_RECV]	= "syn_recv",
	[TCPSTATE_FIN_WAIT1]	= "fin_wait1",
	[TCPSTATE_FIN_WAIT2]	= "fin_wait2",
	[TCPSTATE_TIME_WAIT]	= "time_wait",
	[TCPSTATE_CLOSE]	= "closed",
	[TCPSTATE_CLOSE_WAIT]	= "close_wait",
	[TCPSTATE_LAST_ACK]	= "last_ack",
	[TCPSTATE_LISTEN]	= "listen",
	[TCPSTATE_CLOSING]	= "closing",
};

static const char *const tw_exits[TCPSTATE_TW_EXIT_MAX] = {
	[TCPSTATE_TW_EXIT_EXPIRED]	= "expired",
	[TCPSTATE_TW_EXIT_REUSED]	= "reused",
	[TCPSTATE_TW_EXIT_SYN]		= "syn",
	[TCPSTATE_TW_EXIT_RST]		= "rst",
	[TCPSTATE_TW_EXIT_NETNS]	= "netns",
	[TCPSTATE_TW_EXIT_OTHER]	= "other",
};

/* Stable keys: JSON and text print them as they are. */
static const char *const misses[TCPSTATE_MISS_MAX] = {
	[TCPSTATE_MISS_STATE]		= "state",
	[TCPSTATE_MISS_TW_ENTER]	= "tw_enter",
	[TCPSTATE_MISS_TW_KILL]		= "tw_kill",
	[TCPSTATE_MISS_TW_SEGMENT]	= "tw_segment",
	[TCPSTATE_MISS_REQ_HASH]	= "req_hash",
	[TCPSTATE_MISS_REQ_PROMOTE]	= "req_promote",
	[TCPSTATE_MISS_REQ_FREE]	= "req_free",
	[TCPSTATE_MISS_CONNECT_PORT]	= "connect_port",
	[TCPSTATE_MISS_BIND_PORT]	= "bind_port",
	[TCPSTATE_MISS_ALLOC]		= "alloc",
	[TCPSTATE_MISS_ACCEPT]		= "accept",
	[TCPSTATE_MISS_OWNER]		= "owner",
};

static const char *const drops[TCPSTATE_DROP_MAX] = {
	[TCPSTATE_DROP_QUOTA]	= "quota",
	[TCPSTATE_DROP_CAP]	= "cap",
	[TCPSTATE_DROP_NOMEM]	= "nomem",
	[TCPSTATE_DROP_USER]	= "user",
};

const char *state_ss_name(int state)
{
	return state > 0 && state < TCPSTATE_STATE_MAX ? ss_names[state] : NULL;
}

const char *state_key(int state)
{
	return state > 0 && state < TCPSTATE_STATE_MAX ? keys[state] : NULL;
}

const char *tw_exit_name(int cause)
{
	return cause >= 0 && cause < TCPSTATE_TW_EXIT_MAX ? tw_exits[cause] : NULL;
}

const char *miss_name(int kind)
{
	return kind >= 0 && kind < TCPSTATE_MISS_MAX ? misses[kind] : NULL;
}

const char *drop_name(int reason)
{
	return reason >= 0 && reason < TCPSTATE_DROP_MAX ? drops[reason] : NULL;
}

/* Lower case, '_' as '-': "TIME_WAIT" becomes "time-wait". */
static void normalize(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < len && src[i]; i++)
		dst[i] = src[i] == '_' ? '-' : (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

/* Every state; all but LISTEN and CLOSED. */
#define ALL_STATES	(BIT(TCPSTATE_STATE_MAX) - BIT(1))
#define CONNECTED	(ALL_STATES & ~(BIT(TCPSTATE_LISTEN) | BIT(TCPSTATE_CLOSE)))

unsigned int state_parse_mask(const char *name)
{
	static const struct {
		const char *name;
		unsigned int mask;
	} groups[] = {
		{ "all", ALL_STATES },
		{ "connected", CONNECTED },
		{ "synchronized", CONNECTED & ~BIT(TCPSTATE_SYN_SENT) },
		{ "close", BIT(TCPSTATE_CLOSE) },
		{ "syn-received", BIT(TCPSTATE_SYN_RECV) },
	};
	char want[32], have[32];
	size_t i;
	int st;

	if (strlen(name) >= sizeof(want))
		return 0;
	normalize(want, sizeof(want), name);
	for (st = 1; st < TCPSTATE_STATE_MAX; st++) {
		normalize(have, sizeof(have), ss_names[st]);
		if (!strcmp(want, have))
			return BIT(st);
		normalize(have, sizeof(have), keys[st]);
		if (!strcmp(want, have))
			return BIT(st);
	}
	for (i = 0; i < ARRAY_SIZE(groups); i++)
		if (!strcmp(want, groups[i].name))
			return groups[i].mask;
	return 0;
}
