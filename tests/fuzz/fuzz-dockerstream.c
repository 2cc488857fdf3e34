// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Docker Engine API streams gpuprep reads: GET /events (JSON objects one after the other,
 * what restart watches for dockerd's reload) and a container's logs (8-byte frame headers,
 * what verify --smoke shows), on any bytes.
 */
#include <stdint.h>

#include "dockerapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gp_error err = GP_ERROR_INIT;
	json_t *events = NULL;
	if (docker_events_parse((const char *)data, size, &events, &err) == 0) {
		size_t i;
		json_t *ev;
		json_array_foreach (events, i, ev)
			if (!json_is_object(ev))
				__builtin_trap();
		json_decref(events);
	}
	gp_error_release(&err);
	free(docker_logs_demux((const char *)data, size));
	return 0;
}
