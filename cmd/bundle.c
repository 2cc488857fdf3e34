// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gpuprep bundle: on a connected machine, fetch the four toolkit packages
 * from NVIDIA's repository (or a mirror), verified end to end, into one
 * archive that `gpuprep install --offline` takes on an air-gapped node.
 */
#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "osinfo.h"
#include "pkgbundle.h"
#include "progress.h"

const char cmd_bundle_summary[] = "make an offline bundle of the NVIDIA container toolkit";
const char cmd_bundle_usage[] =
        "usage: gpuprep bundle [--format deb|rpm] [--arch ARCH] [--toolkit-version V]\n"
        "                      [--repo-url URL] [--keyring FILE] [--l4t SUITE]\n"
        "                      [--with-gpuprep FILE] [-o FILE]\n"
        "\n"
        "Download the four NVIDIA container toolkit packages for an air-gapped node, check\n"
        "them against the repository's signed index, and write one .tar.gz that\n"
        "'gpuprep install --offline FILE' installs from.\n"
        "\n"
        "Options:\n"
        "  --format deb|rpm  the package format (default: deb)\n"
        "  --arch ARCH       the node's architecture: amd64, arm64, ... for deb; x86_64,\n"
        "                    aarch64 for rpm (default: this machine's)\n"
        "  --toolkit-version V\n"
        "                    bundle V-1 of all four (default: the newest)\n"
        "  --version V       the same as --toolkit-version V\n"
        "  --repo-url URL    use a mirror of https://nvidia.github.io/libnvidia-container\n"
        "  --keyring FILE    trust this public key instead of NVIDIA's pinned one\n"
        "  --l4t SUITE       take the packages from L4T's repository (a Jetson's\n"
        "                    nvidia-l4t-apt-source.list), suite r35.4, ...; needs --keyring\n"
        "  --with-gpuprep FILE\n"
        "                    carry FILE, a static gpuprep for ARCH, as 'gpuprep' in the\n"
        "                    bundle: 'tar -xzf BUNDLE gpuprep && ./gpuprep up --offline BUNDLE'\n"
        "  -o, --output FILE write the bundle here (default:\n"
        "                    nvidia-container-toolkit_<V>_<FORMAT>_<ARCH>.bundle.tar.gz);\n"
        "                    '-': to standard output, for a pipe into 'up --offline -'\n"
        "  -h, --help        print this help\n"
        "\n"
        "See gpuprep-bundle(1).\n";

static const struct rows_column cols[] = {
        {"PACKAGE", "name"},
        {"VERSION", "version"},
        {"SIZE", "size"},
        {"SHA256", "sha256"},
};

/*
 * The download errors' hints end with "use --offline", which is install's and
 * up's way round a network; bundle has none, and needs the repository.
 */
static int
bundle_hint(struct gp_error *err)
{
	static const char *const tails[] = {"; on an air-gapped node use --offline",
	                                    ", or use --offline"};
	_cleanup_free_ char *h = err->hint ? xstrdup(err->hint) : NULL;
	for (size_t i = 0; h && i < GP_ARRAY_SIZE(tails); i++) {
		char *at = strstr(h, tails[i]);
		if (at) {
			*at = '\0';
			gp_error_hint(err,
			              "%s; bundle needs the repository: run it where it can be "
			              "reached, or give a mirror with --repo-url",
			              h);
			break;
		}
	}
	return -1;
}

int
cmd_bundle(struct gp_ctx *ctx, int argc, char **argv, struct gp_error *err)
{
	enum {
		OPT_FORMAT = 256,
		OPT_ARCH,
		OPT_VERSION,
		OPT_REPO_URL,
		OPT_KEYRING,
		OPT_GPUPREP,
		OPT_L4T
	};
	static const struct option opts[] = {
	        {"format", required_argument, NULL, OPT_FORMAT},
	        {"arch", required_argument, NULL, OPT_ARCH},
	        {"toolkit-version", required_argument, NULL, OPT_VERSION},
	        {"version", required_argument, NULL, OPT_VERSION}, /* the same */
	        {"repo-url", required_argument, NULL, OPT_REPO_URL},
	        {"keyring", required_argument, NULL, OPT_KEYRING},
	        {"with-gpuprep", required_argument, NULL, OPT_GPUPREP},
	        {"l4t", required_argument, NULL, OPT_L4T},
	        {"output", required_argument, NULL, 'o'},
	        CMD_COMMON_OPTIONS,
	        {0},
	};
	struct pkg_bundle_opts o = {0};
	const char *format = "deb";
	int c;
	while ((c = cmd_getopt(ctx, argc, argv, "o:", opts, 0, err)) > 0) {
		switch (c) {
		case OPT_FORMAT:
			format = optarg;
			break;
		case OPT_ARCH:
			o.arch = optarg;
			break;
		case OPT_VERSION:
			o.version = optarg;
			break;
		case OPT_REPO_URL:
			o.repo_url = optarg;
			break;
		case OPT_KEYRING:
			o.keyring = optarg;
			break;
		case OPT_GPUPREP:
			o.gpuprep = optarg;
			break;
		case OPT_L4T:
			o.l4t = optarg;
			break;
		case 'o':
			/* "-": standard output, to pipe into "ssh NODE gpuprep up --offline -" */
			o.to_stdout = strcmp(optarg, "-") == 0;
			o.output = o.to_stdout ? NULL : optarg;
			break;
		}
	}
	if (c < 0)
		return cmd_opt_exit(c);
	bool rpm = strcmp(format, "rpm") == 0;
	if (!rpm && strcmp(format, "deb") != 0)
		return cmd_usage_error(ctx, err, "--format '%s' is not supported: deb or rpm",
		                       format);
	if (o.l4t) {
		unsigned maj, min;
		char end;
		if (rpm || sscanf(o.l4t, "r%u.%u%c", &maj, &min, &end) != 2)
			return cmd_usage_error(ctx, err,
			                       "--l4t takes an L4T suite such as r35.4 (deb only)");
		if (!o.keyring) {
			cmd_usage_error(ctx, err,
			                "--l4t needs --keyring FILE: L4T's repository key");
			return gp_error_hint(err, "JetPack keeps it in "
			                          "/etc/apt/trusted.gpg.d/jetson-ota-public.asc");
		}
	}
	if (o.to_stdout && ctx->json)
		return cmd_usage_error(ctx, err, "--json and -o - both write to standard output");
	if (o.to_stdout && isatty(STDOUT_FILENO)) {
		cmd_usage_error(ctx, err,
		                "-o - writes the bundle to standard output, which is a terminal");
		return gp_error_hint(err, "pipe it on ('gpuprep bundle -o - | ssh NODE gpuprep up "
		                          "--offline -'), or write a file with -o FILE");
	}
	/* A reader that goes away (ssh refused) makes the write fail with EPIPE, an error that
	 * says so and removes the downloads, rather than a SIGPIPE that leaves them. */
	if (o.to_stdout)
		signal(SIGPIPE, SIG_IGN);
	if (cmd_check_repo_url(ctx, o.repo_url, err) < 0)
		return -1;
	struct os_info host = {0};
	if (!o.arch) {
		if (os_info_read(NULL, &host, err) < 0)
			return -1;
		o.arch = rpm ? host.arch_rpm : host.arch_deb;
		if (!o.arch) {
			os_info_release(&host);
			return cmd_usage_error(ctx, err,
			                       "cannot tell this machine's architecture; "
			                       "give --arch");
		}
	} else if (rpm && !os_arch_deb_from_rpm(o.arch)) {
		return cmd_usage_error(ctx, err,
		                       "--arch '%s' is not an rpm architecture name "
		                       "(x86_64, aarch64, ...)",
		                       o.arch);
	} else if (!rpm && !os_arch_rpm_from_deb(o.arch)) {
		return cmd_usage_error(ctx, err,
		                       "--arch '%s' is not a Debian architecture name "
		                       "(amd64, arm64, ...)",
		                       o.arch);
	}
	o.fetch.progress = progress_draw;
	o.fetch.retry = progress_retry;
	o.fetch.userdata = ctx;

	json_t *manifest = NULL;
	_cleanup_free_ char *out = NULL;
	int r = rpm ? pkg_bundle_create_rpm(&o, &manifest, &out, err)
	            : pkg_bundle_create(&o, &manifest, &out, err);
	os_info_release(&host);
	if (r < 0)
		return bundle_hint(err);
	_cleanup_json_ json_t *m = manifest;
	_cleanup_free_ char *where = out ? xasprintf("'%s'", out) : xstrdup("standard output");
	cmd_note(ctx, "gpuprep: wrote %s: the NVIDIA container toolkit %s for %s %s%s", where,
	         json_string_value(json_object_get(m, "toolkit_version")), format,
	         json_string_value(json_object_get(m, "architecture")),
	         o.gpuprep ? ", with gpuprep" : "");
	if (ctx->json) {
		_cleanup_json_ json_t *doc = json_pack("{s:i, s:s, s:O}", "schema_version", 1,
		                                       "bundle", out, "manifest", m);
		cmd_out_json(ctx, doc);
		return 0;
	}
	_cleanup_free_ char *table = rows_format_table(cols, GP_ARRAY_SIZE(cols),
	                                               json_object_get(m, "packages"), ctx->color);
	if (!o.to_stdout)
		cmd_out(ctx, table);
	else if (!ctx->quiet)
		fputs(table, stderr); /* standard output is the bundle's */
	return 0;
}
