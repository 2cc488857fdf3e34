// SPDX-License-Identifier: GPL-2.0-or-later
/* gpuprep --version: the build and its libraries (gpuprep(1), --version). */
#include "buildinfo.h"
#include "cmd.h"
#include "commit.h"
#include "config.h"

/*
 * --version: the version, the commit, static or dynamic, and the libraries
 * with their versions (see gpuprep(1)). The dynamic build loads libarchive,
 * libcurl, libnghttp2 and libxml2 here to ask theirs.
 */
int
cmd_version(struct gp_ctx *ctx)
{
	_cleanup_json_ json_t *libs = buildinfo_libraries();
	if (ctx->json) {
		_cleanup_json_ json_t *doc =
		        json_pack("{s:i, s:s, s:s, s:s, s:s, s:O}", "schema_version", 1, "version",
		                  GPUPREP_VERSION, "commit", GPUPREP_COMMIT, "build",
		                  GPUPREP_LINKAGE, "arch", GPUPREP_ARCH, "libraries", libs);
		_cleanup_free_ char *text = rows_format_json(doc);
		fputs(text, stdout);
		return 0;
	}
	printf("gpuprep %s\ncommit %s, %s build for %s\n", GPUPREP_VERSION, GPUPREP_COMMIT,
	       GPUPREP_LINKAGE, GPUPREP_ARCH);
	size_t i;
	json_t *l;
	json_array_foreach (libs, i, l) {
		const char *name = json_string_value(json_object_get(l, "name"));
		const char *version = json_string_value(json_object_get(l, "version"));
		const char *details = json_string_value(json_object_get(l, "details"));
		const char *file = json_string_value(json_object_get(l, "file"));
		if (!version) {
			printf("%s not available: %s\n", name,
			       json_string_value(json_object_get(l, "error")));
			continue;
		}
		printf("%s %s", name, version);
		if (details)
			printf(" (%s)", details);
		if (!file)
			printf(", linked in\n");
		else if (json_is_true(json_object_get(l, "loaded_on_use")))
			printf(", loaded on use from %s\n", file);
		else
			printf(", %s\n", file);
	}
	return 0;
}
