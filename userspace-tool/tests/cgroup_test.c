// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of cgroup names: systemd unit names of cgroup paths, and ids
 * resolved in a fake cgroup2 tree (a temporary directory): to a unit name,
 * to a path when the cgroup is no unit, to the id when it was removed.
 * TAP output.
 */
#include <sys/stat.h>

#include "unit.h"

#include "../cgroup.h"

static char root[] = "/tmp/tcpstate-cgroup-XXXXXX";

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
	const char *seen;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		seen = cgroup_unit_name(buf, sizeof(buf), cases[i].path);
		snprintf(name, sizeof(name), "unit_name_%zu %s", i, cases[i].path);
		expect_str(name, cases[i].unit ? cases[i].unit : "(none)",
			   seen ? seen : "(none)");
	}
}

static __u64 id_of(const char *path)
{
	char full[512];
	struct stat st;

	snprintf(full, sizeof(full), "%s%s", root, path);
	if (stat(full, &st))
		ksft_exit_fail_msg("stat %s failed\n", full);
	return st.st_ino;
}

static void test_fake_tree(void)
{
	char full[512], buf[CGROUP_NAME_LEN], want[256];
	__u64 nginx, docker_sub, foo, svc_a, gone;
	const char *p;
	size_t i;

	if (!mkdtemp(root))
		ksft_exit_fail_msg("mkdtemp failed\n");
	for (i = 0; tree[i]; i++) {
		snprintf(full, sizeof(full), "%s%s", root, tree[i]);
		if (mkdir(full, 0755))
			ksft_exit_fail_msg("mkdir %s failed\n", full);
	}
	nginx = id_of("/system.slice/nginx.service");
	docker_sub = id_of("/system.slice/docker.service/sub");
	foo = id_of(tree[8]);
	svc_a = id_of("/svc_a");
	gone = id_of("/gone");
	/* Removed before anything looked: its TIME-WAITs outlived it. */
	snprintf(full, sizeof(full), "%s/gone", root);
	rmdir(full);
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

	/* Another root forgets the first: nothing of it is found. */
	snprintf(full, sizeof(full), "%s/system.slice", root);
	cgroup_set_root(full);
	p = cgroup_path(nginx);
	expect_str("another_root_sees_its_own_paths", "/nginx.service",
		   p ? p : "(null)");

	for (i = ARRAY_SIZE(tree) - 1; i-- > 0;) {
		snprintf(full, sizeof(full), "%s%s", root, tree[i]);
		rmdir(full);
	}
	rmdir(root);
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(18 + 13);
	test_unit_names();
	test_fake_tree();
	ksft_finished();
}
