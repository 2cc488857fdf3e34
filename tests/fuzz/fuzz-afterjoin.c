// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz lib/preflight/afterjoin_parse: the input is an edgecore.yaml, a kubelet
 * config.yaml (and, as text, kubelet's flags), a device plugin config or
 * ConfigMap, and a kubelet_internal_checkpoint, all at once. Refusing it is
 * fine. A crash, or an accepted file whose result breaks what the checks rely
 * on (a cgroup driver other than systemd or cgroupfs, no endpoint, replicas
 * below 1, a resource without a name), is a bug.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "afterjoin_parse.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _noreturn_ void
bug(const char *what)
{
	fprintf(stderr, "fuzz-afterjoin: %s\n", what);
	abort();
}

static void
check_agent(const struct agent_config *c)
{
	if (!c->cgroup_driver ||
	    (strcmp(c->cgroup_driver, "systemd") != 0 && strcmp(c->cgroup_driver, "cgroupfs") != 0))
		bug("an accepted config with a cgroup driver other than systemd or cgroupfs");
	if (!c->endpoint || !c->endpoint_from || !c->cgroup_driver_from)
		bug("an accepted config without an endpoint or a source");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The parsers take a length; kubelet's flags are a C string. */
	char *text = xstrndup((const char *)data, size);
	struct gp_error err = GP_ERROR_INIT;
	struct agent_config c;

	if (agent_config_parse_edgecore((const char *)data, size, &c, &err) == 0) {
		check_agent(&c);
		agent_config_release(&c);
	}
	gp_error_release(&err);
	if (agent_config_parse_kubelet((const char *)data, size, text, &c, &err) == 0) {
		check_agent(&c);
		agent_config_release(&c);
	}
	gp_error_release(&err);

	struct dp_sharing s;
	if (dp_sharing_parse((const char *)data, size, &s, &err) == 0) {
		for (size_t i = 0; i < s.n; i++)
			if (!s.shares[i].name || !s.shares[i].advertised ||
			    s.shares[i].replicas < 1)
				bug("an accepted sharing without a name, or replicas below 1");
		dp_sharing_release(&s);
	}
	gp_error_release(&err);

	struct dp_checkpoint cp;
	if (dp_checkpoint_parse((const char *)data, size, &cp, &err) == 0) {
		for (size_t i = 0; i < cp.n; i++) {
			if (!cp.resources[i].name)
				bug("a checkpoint resource without a name");
			if (dp_physical_count(cp.resources[i].ids, cp.resources[i].n_ids) >
			    cp.resources[i].n_ids)
				bug("more GPUs than device ids");
		}
		dp_checkpoint_release(&cp);
	}
	gp_error_release(&err);
	free(text);
	return 0;
}
