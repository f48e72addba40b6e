// SPDX-License-Identifier: GPL-2.0
/*
 * A QEMU TCG plugin for scripts/profile.sh: how many times each guest
 * kernel instruction ran inside one window.  A block is counted whole when
 * it starts (a fault inside it counts the rest too), and each step of a
 * rep movs or stos counts as one instruction.  Sampling profilers
 * in an emulated guest alias with the workload (perf's samples every N
 * instructions under -icount) or measure the emulation (the clock reads);
 * this counts instead.
 *
 * The window opens at the first execution of the instruction at address
 * toggle= (the guest's entry of sync(2), found by the caller) and closes
 * at the second: the guest runs `sync; WORKLOAD; sync`.  Only kernel
 * addresses are counted.  At exit, out= gets one line per instruction
 * that ran in the window, "ADDRESS COUNT" (16 hex digits, decimal),
 * sorted by address, after a first line "# window N insns M".
 *
 * Built by scripts/profile.sh against QEMU's plugin API, whose few calls
 * used here have kept their signatures since API version 1; they are
 * declared here because Debian ships no qemu-plugin.h.  One vCPU only
 * (the counters are not atomic): profile.sh boots one.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
struct qemu_info;	/* not read */

typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *udata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu, void *udata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
					  qemu_plugin_vcpu_udata_cb_t cb,
					  int flags, void *udata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
				    qemu_plugin_udata_cb_t cb, void *udata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
						 size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);

#define EXPORT __attribute__((visibility("default")))

EXPORT int qemu_plugin_version = 2;

#define KERNEL_START	0xffff800000000000ULL
#define CB_NO_REGS	0

/* One translation of a block: its instructions' addresses. */
struct block {
	uint64_t runs;		/* in the window */
	size_t n;
	uint64_t addr[];
};

static struct block **blocks;
static size_t nr_blocks, max_blocks;
static uint64_t toggle;
static const char *out_path;
static unsigned int toggles;
static uint64_t window_insns;

static void block_ran(unsigned int vcpu, void *udata)
{
	struct block *b = udata;

	(void)vcpu;
	if (b->addr[0] == toggle)
		toggles++;
	if (toggles == 1) {
		b->runs++;
		window_insns += b->n;
	}
}

static void block_made(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t i, n = qemu_plugin_tb_n_insns(tb);
	struct block *b;

	(void)id;
	if (qemu_plugin_tb_vaddr(tb) < KERNEL_START || !n)
		return;
	b = calloc(1, sizeof(*b) + n * sizeof(b->addr[0]));
	if (!b)
		abort();
	b->n = n;
	for (i = 0; i < n; i++)
		b->addr[i] = qemu_plugin_insn_vaddr(qemu_plugin_tb_get_insn(tb, i));
	if (nr_blocks == max_blocks) {
		max_blocks = max_blocks ? 2 * max_blocks : 65536;
		blocks = realloc(blocks, max_blocks * sizeof(*blocks));
		if (!blocks)
			abort();
	}
	blocks[nr_blocks++] = b;
	qemu_plugin_register_vcpu_tb_exec_cb(tb, block_ran, CB_NO_REGS, b);
}

struct count {
	uint64_t addr, runs;
};

static int count_cmp(const void *a, const void *b)
{
	const struct count *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void write_counts(qemu_plugin_id_t id, void *udata)
{
	struct count *c;
	size_t i, j, n = 0;
	FILE *f;

	(void)id;
	(void)udata;
	for (i = 0; i < nr_blocks; i++)
		if (blocks[i]->runs)
			n += blocks[i]->n;
	c = malloc((n + 1) * sizeof(*c));
	f = fopen(out_path, "w");
	if (!c || !f) {
		perror(out_path);
		exit(1);
	}
	n = 0;
	for (i = 0; i < nr_blocks; i++)
		for (j = 0; blocks[i]->runs && j < blocks[i]->n; j++) {
			c[n].addr = blocks[i]->addr[j];
			c[n++].runs = blocks[i]->runs;
		}
	qsort(c, n, sizeof(*c), count_cmp);
	fprintf(f, "# window %u insns %llu\n", toggles,
		(unsigned long long)window_insns);
	for (i = 0; i < n; i = j) {
		uint64_t runs = 0;

		for (j = i; j < n && c[j].addr == c[i].addr; j++)
			runs += c[j].runs;
		fprintf(f, "%016llx %llu\n", (unsigned long long)c[i].addr,
			(unsigned long long)runs);
	}
	fclose(f);
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info *info,
			       int argc, char **argv)
{
	int i;

	(void)info;
	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "toggle=", 7))
			toggle = strtoull(argv[i] + 7, NULL, 16);
		else if (!strncmp(argv[i], "out=", 4))
			out_path = argv[i] + 4;
	}
	if (!toggle || !out_path) {
		fprintf(stderr, "profile-plugin: toggle=ADDRESS and out=FILE are needed\n");
		return 1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, block_made);
	qemu_plugin_register_atexit_cb(id, write_counts, NULL);
	return 0;
}
