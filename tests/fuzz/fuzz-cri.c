// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The CRI decoders: StatusResponse (conditions, the info map, info["config"]
 * as JSON, and every accessor on it) and VersionResponse, on any bytes.
 */
#include <stdint.h>

#include "cri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gp_error err = GP_ERROR_INIT;
	struct cri_status *s = NULL;
	if (cri_status_parse(data, size, &s, &err) == 0) {
		(void)cri_status_condition_true(s, CRI_RUNTIME_READY);
		(void)cri_status_info(s, "config");
		(void)cri_status_default_runtime(s);
		(void)cri_status_enable_cdi(s);
		char **names = cri_status_runtime_names(s);
		for (char **n = names; *n; n++) {
			(void)cri_status_runtime_type(s, *n);
			(void)cri_status_runtime_binary(s, *n);
			(void)cri_status_runtime_systemd_cgroup(s, *n);
		}
		strv_free(names);
		json_t *doc = cri_status_to_json(s);
		free(json_dumps(doc, 0));
		json_decref(doc);
		cri_status_free(s);
	}
	gp_error_release(&err);

	struct cri_version v;
	if (cri_version_parse(data, size, &v, &err) == 0)
		cri_version_release(&v);
	gp_error_release(&err);
	return 0;
}
