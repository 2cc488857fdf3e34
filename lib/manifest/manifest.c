// SPDX-License-Identifier: GPL-2.0-or-later
#include "manifest.h"

#include <string.h>

#include "template.h"

static int
render(const char *name, const struct template_var *vars, size_t n_vars, char **ret_out,
       struct gp_error *err)
{
	const struct template_file *t = template_find(name);
	if (!t)
		return gp_error_set(err, "template '%s' is not built in", name);
	return template_render(name, t->text, vars, n_vars, ret_out, err);
}

int
manifest_device_plugin_render(const struct manifest_device_plugin *m, char **ret_yaml,
                              struct gp_error *err)
{
	char replicas[16];
	snprintf(replicas, sizeof(replicas), "%u", m->replicas);
	const struct template_var vars[] = {
	        {"image", m->image ? m->image : MANIFEST_DEVICE_PLUGIN_IMAGE},
	        {"namespace", m->namespace ? m->namespace : MANIFEST_DEVICE_PLUGIN_NAMESPACE},
	        {"edge", m->edge ? "true" : NULL},
	        {"replicas", m->replicas ? replicas : NULL},
	        {"runtime_class", m->runtime_class},
	        {"mig_strategy", m->mig_strategy},
	};
	_cleanup_free_ char *config = NULL, *daemonset = NULL;

	if (m->mig_strategy && !manifest_mig_strategy_valid(m->mig_strategy))
		return gp_error_set(err, "unknown MIG strategy '%s' (single or mixed)",
		                    m->mig_strategy);
	if (m->replicas == 1)
		return gp_error_set(err, "time-slicing needs at least 2 replicas per GPU");
	if (render("device-plugin.yaml", vars, GP_ARRAY_SIZE(vars), &daemonset, err) < 0)
		return -1;
	if (!m->replicas) {
		*ret_yaml = TAKE_PTR(daemonset);
		return 0;
	}
	if (render("time-slicing.yaml", vars, GP_ARRAY_SIZE(vars), &config, err) < 0)
		return -1;
	*ret_yaml = xasprintf("%s---\n%s", config, daemonset);
	return 0;
}

int
manifest_test_pod_render(const struct manifest_test_pod *m, char **ret_yaml, struct gp_error *err)
{
	const struct template_var vars[] = {
	        {"image", m->image ? m->image : MANIFEST_TEST_POD_IMAGE},
	        {"namespace", m->namespace},
	        {"node", m->node},
	        {"runtime_class", m->runtime_class},
	};
	return render("test-pod.yaml", vars, GP_ARRAY_SIZE(vars), ret_yaml, err);
}

bool
manifest_mig_strategy_valid(const char *s)
{
	return strcmp(s, "single") == 0 || strcmp(s, "mixed") == 0;
}

int
manifest_runtimeclass_render(char **ret_yaml, struct gp_error *err)
{
	const struct template_var vars[] = {
	        {"name", MANIFEST_RUNTIME_CLASS},
	        {"handler", MANIFEST_RUNTIME_HANDLER},
	};
	return render("runtimeclass.yaml", vars, GP_ARRAY_SIZE(vars), ret_yaml, err);
}
