// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The jetson-mode check: how NVIDIA's runtime finds a Jetson's GPU files. JetPack 4 and 5
 * (L4T R32 to R35) run it in CSV mode: /etc/nvidia-container-runtime/config.toml's
 * mode is "csv" (or "auto", which is csv on a Tegra board), and the runtime mounts what
 * the CSV files in the mount-spec-path list (l4t.csv, devices.csv and drivers.csv are
 * processed by default; the nvidia-container-csv-* packages add cuda.csv, cudnn.csv, ...).
 * JetPack 6 (L4T R36 and later) runs it through CDI, from the spec that
 * `nvidia-ctk cdi generate --mode=csv` writes.
 */
#include <dirent.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "preflight_check.h"
#include "toml.h"

#define NVCR_CONFIG     "/etc/nvidia-container-runtime/config.toml"
#define CSV_DIR_DEFAULT "/etc/nvidia-container-runtime/host-files-for-container.d"

/* The CSV files the runtime processes by default (the rest need csv-mounts=all). */
static const char *const csv_default[] = {"l4t.csv", "devices.csv", "drivers.csv"};

/* 32 from "R32.7.1"; 0 when unknown. */
static int
l4t_major(const char *release)
{
	if (!release || release[0] != 'R')
		return 0;
	return atoi(release + 1);
}

/* JetPack's major version for an L4T major: R32 is 4, R34/R35 are 5, R36 is 6. */
static int
jetpack_of(int l4t)
{
	return l4t >= 36 ? 6 : l4t >= 34 ? 5 : l4t >= 32 ? 4 : 0;
}

/* The *.csv files in dir, as a ", " list (NULL when none); ret_default: one of csv_default. */
static char *
csv_files(const char *dir, bool *ret_default)
{
	*ret_default = false;
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".csv") != 0)
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(e->d_name);
		for (size_t i = 0; i < GP_ARRAY_SIZE(csv_default); i++)
			if (strcmp(e->d_name, csv_default[i]) == 0)
				*ret_default = true;
	}
	closedir(d);
	names = xrealloc(names, (n + 1) * sizeof(*names));
	names[n] = NULL;
	strv_sort(names);
	char *list = NULL;
	for (size_t i = 0; i < n; i++)
		preflight_list_add(&list, "%s", names[i]);
	strv_free(names);
	return list;
}

/* A CDI spec for nvidia.com/gpu in /etc/cdi or /var/run/cdi: the cdi check's search. */
static bool
have_cdi_spec(struct preflight_ctx *ctx)
{
	struct preflight_result cdi = {0};
	preflight_check_cdi(ctx, &cdi);
	bool ok = cdi.status == PREFLIGHT_PASS;
	free(cdi.message);
	free(cdi.hint);
	return ok;
}

void
preflight_check_jetson_mode(struct preflight_ctx *ctx, struct preflight_result *r)
{
	const char *error = NULL;
	const struct node_info *n = preflight_node(ctx, &error);
	if (!n) {
		preflight_set(r, PREFLIGHT_FAIL, "cannot scan the node: %s", error);
		return;
	}
	if (!n->tegra) {
		preflight_set(r, PREFLIGHT_SKIP, "not a Jetson board");
		return;
	}
	int l4t = l4t_major(n->tegra->l4t_release);
	int jp = jetpack_of(l4t);
	_cleanup_free_ char *what = jp ? xasprintf("JetPack %d, L4T %s", jp, n->tegra->l4t_release)
	                               : xstrdup("L4T release unknown: no '/etc/nv_tegra_release'");
	_cleanup_free_ char *cfg = preflight_path(ctx, NVCR_CONFIG);
	_cleanup_(toml_doc_freep) struct toml_doc *doc = NULL;
	struct gp_error err = GP_ERROR_INIT;
	if (access(cfg, F_OK) != 0) {
		preflight_set(r, PREFLIGHT_FAIL,
		              "no '%s' (%s): the NVIDIA runtime's config is missing", cfg, what);
		preflight_hint(r, "gpuprep install (the toolkit's packages write it)");
		return;
	}
	if (toml_doc_load(cfg, &doc, &err) < 0) {
		preflight_set(r, PREFLIGHT_FAIL, "%s", err.msg);
		preflight_hint(r, "fix the file, or move it away and reinstall "
		                  "nvidia-container-toolkit-base to get the default");
		gp_error_release(&err);
		return;
	}
	static const char *const mode_key[] = {"nvidia-container-runtime", "mode", NULL};
	static const char *const csv_key[] = {"nvidia-container-runtime", "modes", "csv",
	                                      "mount-spec-path", NULL};
	_cleanup_free_ char *mode = NULL;
	_cleanup_free_ char *spec_dir = NULL;
	if (toml_get_type(doc, mode_key) != TOML_NONE &&
	    toml_get_string(doc, mode_key, &mode, &err) < 0) {
		preflight_set(r, PREFLIGHT_FAIL, "'%s': %s", cfg, err.msg);
		gp_error_release(&err);
		return;
	}
	if (toml_get_type(doc, csv_key) != TOML_NONE &&
	    toml_get_string(doc, csv_key, &spec_dir, &err) < 0) {
		preflight_set(r, PREFLIGHT_FAIL, "'%s': %s", cfg, err.msg);
		gp_error_release(&err);
		return;
	}
	const char *m = mode ? mode : "auto";
	if (strcmp(m, "legacy") == 0) {
		preflight_set(
		        r, PREFLIGHT_FAIL,
		        "'%s' sets mode = \"legacy\" (%s): legacy mode finds no GPU on a Jetson "
		        "board",
		        cfg, what);
		preflight_hint(r, "set mode = \"%s\" under [nvidia-container-runtime] in '%s'",
		               jp >= 6 ? "cdi" : "csv", NVCR_CONFIG);
		return;
	}
	if (jp >= 6 || strcmp(m, "cdi") == 0) {
		if (!have_cdi_spec(ctx)) {
			preflight_set(
			        r, PREFLIGHT_FAIL,
			        "CDI mode (%s; mode = \"%s\"): no CDI spec for nvidia.com/gpu in "
			        "'/etc/cdi' or '/var/run/cdi'",
			        what, m);
			preflight_hint(r, "nvidia-ctk cdi generate --mode=csv "
			                  "--output=/etc/cdi/nvidia.yaml");
			return;
		}
		preflight_set(r, PREFLIGHT_PASS,
		              "CDI mode (%s; mode = \"%s\"): the CDI spec is there", what, m);
		return;
	}
	/* CSV mode: JetPack 4 and 5. */
	_cleanup_free_ char *dir = preflight_path(ctx, spec_dir ? spec_dir : CSV_DIR_DEFAULT);
	bool have_default = false;
	_cleanup_free_ char *files = csv_files(dir, &have_default);
	if (!have_default) {
		_cleanup_free_ char *only = files ? xasprintf(" (only %s)", files) : xstrdup("");
		preflight_set(
		        r, PREFLIGHT_FAIL,
		        "CSV mode (%s; mode = \"%s\"): %s '%s'%s, so containers get no GPU files",
		        what, m,
		        files ? "no l4t.csv, devices.csv or drivers.csv in" : "no CSV files in",
		        dir, only);
		preflight_hint(
		        r,
		        "the CSV files come with L4T's packages: apt-get install --reinstall "
		        "%s (from L4T's apt source, "
		        "'/etc/apt/sources.list.d/nvidia-l4t-apt-source.list')",
		        l4t >= 34 ? "nvidia-l4t-init"
		                  : "nvidia-l4t-core nvidia-container-csv-cuda");
		return;
	}
	preflight_set(r, PREFLIGHT_PASS, "CSV mode (%s; mode = \"%s\"): %s in '%s'", what, m, files,
	              dir);
}
