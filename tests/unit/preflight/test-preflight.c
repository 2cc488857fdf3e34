// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "preflight.h"
#include "preflight_check.h"
#include "rows.h"
#include "tap.h"

static void
test_parse_ids(void)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	_cleanup_strv_ char **ids = NULL;
	bool all = true;

	is_int(preflight_parse_ids("--checks", " Swap, cgroups,swap ", true, &ids, &all, &err), 0,
	       "ids parse");
	is_int(strv_length(ids), 2, "duplicates are dropped");
	is_str(ids[0], "swap", "ids are lowercased and trimmed");
	is_str(ids[1], "cgroups", "order is kept");
	ok(!all, "no all");

	_cleanup_strv_ char **none = NULL;
	is_int(preflight_parse_ids("--ignore-preflight-errors", "all", true, &none, &all, &err), 0,
	       "all alone");
	ok(all && !none, "all sets the flag and no ids");

	is_int(preflight_parse_ids("--ignore-preflight-errors", "all,swap", true, &none, &all,
	                           &err),
	       -1, "all with an id");
	is_int(err.code, GP_EXIT_USAGE, "all with an id: usage error");
	is_str(err.msg, "--ignore-preflight-errors: 'all' cannot be combined with check ids",
	       "all with an id: message");

	is_int(preflight_parse_ids("--checks", "all", false, &none, NULL, &err), -1,
	       "all where it is not allowed");
	is_str(err.msg, "--checks: unknown check id 'all'", "all not allowed: message");

	is_int(preflight_parse_ids("--checks", "swap,nope", false, &none, NULL, &err), -1,
	       "unknown id");
	is_int(err.code, GP_EXIT_USAGE, "unknown id: usage error");
	is_str(err.msg, "--checks: unknown check id 'nope'", "unknown id: message");
	ok(err.hint && strstr(err.hint, "edgecore-clean"), "unknown id: the hint lists the ids");

	is_int(preflight_parse_ids("--checks", ", ,", false, &none, NULL, &err), -1, "empty list");
	is_str(err.msg, "--checks: no check id given", "empty list: message");
}

static void
test_endpoint(void)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	_cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

	is_int(preflight_endpoint_path("unix:///run/containerd/containerd.sock", &a, &err), 0,
	       "unix:// endpoint");
	is_str(a, "/run/containerd/containerd.sock", "unix:// is stripped");
	is_int(preflight_endpoint_path("/var/run/cri-dockerd.sock", &b, &err), 0, "plain path");
	is_str(b, "/var/run/cri-dockerd.sock", "plain path as it is");
	is_int(preflight_endpoint_path("npipe:////./pipe/x", &c, &err), -1, "npipe is refused");
	is_int(err.code, GP_EXIT_USAGE, "npipe: usage error");
	is_int(preflight_endpoint_path("unix://relative.sock", &c, &err), -1, "relative refused");
}

static void
test_ids(void)
{
	const char *const *ids = preflight_check_ids();
	size_t n = 0;
	bool unique = true;
	for (; ids[n]; n++) {
		ok(preflight_check_exists(ids[n]), "id '%s' exists", ids[n]);
		for (size_t j = 0; j < n; j++)
			unique = unique && strcmp(ids[j], ids[n]) != 0;
	}
	ok(n > 0 && unique, "ids are unique");
	ok(!preflight_check_exists("nope"), "an unknown id does not exist");
}

static void
test_report_json(void)
{
	struct preflight_result results[] = {
	        {.id = "swap",
	         .status = PREFLIGHT_WARN,
	         .message = "swap is on: /swap\xff",
	         .hint = "swapoff -a"},
	        {.id = "root", .status = PREFLIGHT_PASS, .message = "running as root"},
	};
	struct preflight_report rep = {.results = results, .n = 2};
	rep.count[PREFLIGHT_WARN] = 1;
	rep.count[PREFLIGHT_PASS] = 1;
	_cleanup_json_ json_t *doc = preflight_report_json(&rep);
	_cleanup_free_ char *s = json_dumps(doc, JSON_COMPACT);
	is_str(s,
	       "{\"schema_version\":1,\"checks\":[{\"id\":\"swap\",\"status\":\"warn\",\"message\":"
	       "\"swap is on: /swap?\",\"hint\":\"swapoff -a\",\"ignored\":false},{\"id\":\"root\","
	       "\"status\":\"pass\",\"message\":\"running as root\",\"hint\":null,\"ignored\":"
	       "false}],\"summary\":{\"pass\":1,\"warn\":1,\"fail\":0,\"skip\":0,\"ignored\":0,"
	       "\"ok\":true}}",
	       "report JSON, with a byte that is not UTF-8 replaced");
	ok(preflight_report_ok(&rep), "warnings are ok");
	rep.count[PREFLIGHT_FAIL] = 1;
	ok(!preflight_report_ok(&rep), "an error is not");
	is_str(preflight_status_name(PREFLIGHT_SKIP), "skip", "status names");
}

static void
test_validate(void)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	struct preflight_opts o = {.runtime = "docker", .cgroup_driver = "systemd"};
	is_int(preflight_opts_validate(&o, &err), 0, "docker and systemd are valid");
	o.runtime = "cri-dockerd";
	is_int(preflight_opts_validate(&o, &err), -1, "cri-dockerd is no runtime to check");
	o.runtime = NULL;
	o.cgroup_driver = "none";
	is_int(preflight_opts_validate(&o, &err), -1, "an unknown cgroup driver");
	is_int(err.code, GP_EXIT_USAGE, "an unknown cgroup driver: usage error");
}

static void
strategy(const char *text, const char *want, unsigned want_line, const char *name)
{
	unsigned line = 0;
	_cleanup_free_ char *got = preflight_mig_strategy_in(text, &line);
	is_str(got, want, name);
	if (want)
		is_int(line, want_line, name);
}

static void
test_mig_strategy(void)
{
	strategy("env:\n  - name: MIG_STRATEGY\n    value: \"mixed\"\n", "mixed", 3,
	         "the env variable gpuprep's manifest sets");
	strategy("        - name: FAIL_ON_INIT_ERROR\n          value: \"false\"\n", NULL, 0,
	         "another variable's value is not taken");
	strategy("args: [\"--mig-strategy=single\"]\n", "single", 1, "an argument in a flow list");
	strategy("        - --mig-strategy=single\n", "single", 1, "an argument in a list");
	strategy("version: v1\nflags:\n  migStrategy: 'none'\n", "none", 3,
	         "the plugin's config file");
	strategy("# - name: MIG_STRATEGY\n#   value: mixed\n", NULL, 0, "comments are not read");
	strategy("", NULL, 0, "an empty file");
}

int
main(void)
{
	test_mig_strategy();
	test_parse_ids();
	test_endpoint();
	test_ids();
	test_report_json();
	test_validate();
	return tap_done();
}
