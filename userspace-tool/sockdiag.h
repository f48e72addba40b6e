/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's own view of its TCP sockets, read through sock_diag
 * (NETLINK_SOCK_DIAG) as `ss -tan` reads it: the oracle `tcpstate audit`
 * holds the module's table against.
 */
#ifndef TCPSTATE_SOCKDIAG_H
#define TCPSTATE_SOCKDIAG_H

#include <linux/tcpstate.h>

/*
 * A sock_diag socket in the network namespace -n @netns names (NULL: our
 * own).  A netlink socket answers for the namespace it was created in, so
 * for another namespace the process enters it (setns(2), which needs
 * CAP_SYS_ADMIN over it), creates the socket and comes back.  Returns the
 * socket, or -1 after printing why.
 */
int sockdiag_open(const char *netns);

/*
 * Every TCP socket of @family (AF_INET, AF_INET6; 0: both) of the socket's
 * namespace that the module mirrors: all states but CLOSE.  Timewait
 * sockets come in their substate (TIME-WAIT or FIN-WAIT-2), request sockets
 * as SYN-RECV.  Each is a struct tcpstate_conn with its cookie, family,
 * addresses, ports and state; times and flags are 0.  The array is
 * malloc()ed, in the kernel's order, for the caller to free.  Returns the
 * number of sockets, or -1 after printing why.
 */
long sockdiag_dump(int sk, int family, struct tcpstate_conn **conns);

#endif
