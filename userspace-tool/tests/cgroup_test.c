// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of cgroup names: systemd unit names of cgroup paths, and ids
 * resolved in a fake cgroup2 tree (a temporary directory): to a unit name,
 * to a path when the cgroup is no unit, to the id when it was removed.
 * TAP output.
 */
#include "unit.h"

#include "../cgroup.h"
#include "../owner.h"

static char root[64];

static const char *const tree[] = {
	"/system.slice",
	"/system.slice/nginx.service",
	"/system.slice/docker.service",
	"/system.slice/docker.service/sub",
	"/user.slice",
	"/user.slice/user-1000.slice",
	"/user.slice/user-1000.slice/user@1000.service",
	"/user.slice/user-1000.slice/user@1000.service/app.slice",
	"/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service",
	"/svc_a",
	"/gone",
	NULL
};

static void test_unit_names(void)
{
	static const struct {
		const char *path;
		const char *unit;	/* NULL: none */
	} cases[] = {
		{ "/system.slice/nginx.service", "nginx.service" },
		{ "/system.slice/system-getty.slice/getty@tty1.service",
		  "getty@tty1.service" },
		{ "/user.slice/user-1000.slice/session-2.scope",
		  "session-2.scope" },
		{ "/init.scope", "init.scope" },
		{ "/system.slice/docker.service/sub", "docker.service/sub" },
		{ "/system.slice/docker-0123abcd.scope", "docker-0123abcd.scope" },
		{ "/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service",
		  "user@1000.service/foo.service" },
		{ "/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service/x",
		  "user@1000.service/foo.service/x" },
		{ "/user.slice/user-1000.slice/user@1000.service/init.scope",
		  "user@1000.service/init.scope" },
		/* a user manager's slice with no unit in it: the manager */
		{ "/user.slice/user-1000.slice/user@1000.service/app.slice",
		  "user@1000.service/app.slice" },
		{ "/kubepods.slice/kubepods-pod1.slice/cri-containerd-9f.scope",
		  "cri-containerd-9f.scope" },
		{ "/", NULL },
		{ "/svc_a", NULL },
		{ "/user.slice", NULL },
		{ "/user.slice/user-1000.slice", NULL },
		/* not below slices only: a unit name deeper is no unit */
		{ "/svc_a/nginx.service", NULL },
		{ "/system.slice/.service", NULL },
		{ "/system.slice/service", NULL },
	};
	char buf[CGROUP_NAME_LEN], name[128];
	const char *seen, *want;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		seen = cgroup_unit_name(buf, sizeof(buf), cases[i].path);
		if (!seen)
			seen = "(none)";
		want = cases[i].unit;
		if (!want)
			want = "(none)";
		snprintf(name, sizeof(name), "unit_name_%zu %s", i, cases[i].path);
		expect_str(name, want, seen);
	}
}

static __u64 id_of(const char *path)
{
	return fake_cgroup_id(root, path);
}

static char *json_of_cgroup(__u64 id)
{
	struct unit_buf b;
	struct output o;

	out_init(&o, unit_open(&b), true);
	out_cgroup(&o, id);
	out_finish(&o);
	return unit_take(&b);
}

static void test_fake_tree(void)
{
	char full[512], buf[CGROUP_NAME_LEN], want[256];
	__u64 nginx, docker_sub, foo, svc_a, gone;
	const char *p;
	char *s;

	fake_cgroups_make(root, tree);
	nginx = id_of("/system.slice/nginx.service");
	docker_sub = id_of("/system.slice/docker.service/sub");
	foo = id_of(tree[8]);
	svc_a = id_of("/svc_a");
	gone = id_of("/gone");
	/* Removed before anything looked: its TIME-WAITs outlived it. */
	fake_cgroup_remove(root, "/gone");
	cgroup_set_root(root);

	p = cgroup_path(nginx);
	expect_str("path_of_an_id_under_the_fake_mount",
		   "/system.slice/nginx.service", p ? p : "(null)");
	expect_str("name_of_a_service_is_its_unit", "nginx.service",
		   cgroup_name(buf, sizeof(buf), nginx));
	expect_str("name_of_a_cgroup_inside_a_service", "docker.service/sub",
		   cgroup_name(buf, sizeof(buf), docker_sub));
	expect_str("name_of_a_user_managers_service",
		   "user@1000.service/foo.service",
		   cgroup_name(buf, sizeof(buf), foo));
	expect_str("name_of_no_unit_is_its_path", "/svc_a",
		   cgroup_name(buf, sizeof(buf), svc_a));
	expect_str("name_of_the_root_is_slash", "/",
		   cgroup_name(buf, sizeof(buf), id_of("")));
	snprintf(want, sizeof(want), "%llu", (unsigned long long)gone);
	expect_str("name_of_a_removed_cgroup_is_its_id", want,
		   cgroup_name(buf, sizeof(buf), gone));
	expect_u64("path_of_a_removed_cgroup_is_null", 1, !cgroup_path(gone));
	expect_str("name_of_id_0_is_a_dash", "-", cgroup_name(buf, sizeof(buf), 0));
	expect_u64("id_of_a_path_under_the_mount", svc_a, cgroup_id_of("/svc_a"));
	snprintf(full, sizeof(full), "%s/svc_a", root);
	expect_u64("id_of_a_full_path", svc_a, cgroup_id_of(full));
	expect_u64("id_of_a_removed_path_is_0", 0, cgroup_id_of("/gone"));

	s = json_of_cgroup(nginx);
	snprintf(want, sizeof(want),
		 "{\"cgroup_id\":%llu,\"cgroup\":\"/system.slice/nginx.service\",\"unit\":\"nginx.service\"}\n",
		 (unsigned long long)nginx);
	expect_str("json_of_a_unit", want, s);
	free(s);
	s = json_of_cgroup(svc_a);
	snprintf(want, sizeof(want),
		 "{\"cgroup_id\":%llu,\"cgroup\":\"/svc_a\",\"unit\":null}\n",
		 (unsigned long long)svc_a);
	expect_str("json_of_no_unit", want, s);
	free(s);
	s = json_of_cgroup(gone);
	snprintf(want, sizeof(want),
		 "{\"cgroup_id\":%llu,\"cgroup\":null,\"unit\":null}\n",
		 (unsigned long long)gone);
	expect_str("json_of_a_removed_cgroup", want, s);
	free(s);

	/* Another root forgets the first: nothing of it is found. */
	snprintf(full, sizeof(full), "%s/system.slice", root);
	cgroup_set_root(full);
	p = cgroup_path(nginx);
	expect_str("another_root_sees_its_own_paths", "/nginx.service",
		   p ? p : "(null)");

	fake_cgroups_remove(root, tree);
}

/*
 * A tree of 300 cgroups made in an order unlike their ids: every id finds
 * its own path (the walk's table is searched by id); one renamed after a
 * walk shows its new name once the tree is walked again (the root set
 * again, here), not the name the earlier walk saw.
 */
static void test_many_and_renamed(void)
{
	char many_root[64], path[128], to[128], first[160] = "";
	int i, j, bad = 0;
	__u64 ids[300];
	const char *p;

	strcpy(many_root, "/tmp/tcpstate-cgroup-XXXXXX");
	if (!mkdtemp(many_root))
		ksft_exit_fail_msg("mkdtemp failed\n");
	for (i = 0; i < 300; i++) {
		/* Three parents, children made round-robin. */
		j = (i * 7) % 300;
		snprintf(path, sizeof(path), "%s/p%d", many_root, j % 3);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/p%d/c%03d", many_root, j % 3, j);
		if (mkdir(path, 0755))
			ksft_exit_fail_msg("mkdir %s failed\n", path);
	}
	for (j = 0; j < 300; j++) {
		snprintf(path, sizeof(path), "/p%d/c%03d", j % 3, j);
		ids[j] = fake_cgroup_id(many_root, path);
	}
	cgroup_set_root(many_root);
	for (j = 299; j >= 0; j--) {
		snprintf(path, sizeof(path), "/p%d/c%03d", j % 3, j);
		p = cgroup_path(ids[j]);
		if ((!p || strcmp(p, path)) && !bad++)
			snprintf(first, sizeof(first), "%s as %s", path, p ? p : "(null)");
	}
	if (!bad)
		ksft_test_result_pass("every_id_of_300_finds_its_path\n");
	else
		ksft_test_result_fail("every_id_of_300_finds_its_path: %d wrong, first %s\n",
				      bad, first);

	snprintf(path, sizeof(path), "%s/p1/c001", many_root);
	snprintf(to, sizeof(to), "%s/p1/renamed", many_root);
	if (rename(path, to))
		ksft_exit_fail_msg("rename %s failed\n", path);
	cgroup_set_root(many_root);
	p = cgroup_path(ids[1]);
	expect_str("a_rename_is_seen_at_the_next_walk", "/p1/renamed",
		   p ? p : "(null)");
	cgroup_set_root(NULL);
	rename(to, path);
	for (j = 0; j < 300; j++) {
		snprintf(path, sizeof(path), "%s/p%d/c%03d", many_root, j % 3, j);
		rmdir(path);
	}
	for (j = 0; j < 3; j++) {
		snprintf(path, sizeof(path), "%s/p%d", many_root, j);
		rmdir(path);
	}
	rmdir(many_root);
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(18 + 16 + 2);
	test_unit_names();
	test_fake_tree();
	test_many_and_renamed();
	ksft_finished();
}
