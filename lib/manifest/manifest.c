// SPDX-License-Identifier: GPL-2.0-or-later
#include "manifest.h"

#include <stdlib.h>
#include <string.h>

#include "template.h"
#include "util.h"

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

static const struct {
	const char *path, *template;
} ansible_layout[MANIFEST_ANSIBLE_N_FILES] = {
        {"site.yml", "ansible-site.yml"},
        {"roles/gpuprep/defaults/main.yml", "ansible-defaults.yml"},
        {"roles/gpuprep/tasks/main.yml", "ansible-tasks.yml"},
};

int
manifest_ansible_layout(struct manifest_file ret[MANIFEST_ANSIBLE_N_FILES], struct gp_error *err)
{
	for (size_t i = 0; i < MANIFEST_ANSIBLE_N_FILES; i++) {
		const struct template_file *t = template_find(ansible_layout[i].template);
		if (!t)
			return gp_error_set(err, "the template '%s' is not built in",
			                    ansible_layout[i].template);
		ret[i] = (struct manifest_file){ansible_layout[i].path, t->text};
	}
	return 0;
}

/* text with every non-empty line indented by n spaces, appended to out. */
static char *
append_indented(char *out, const char *text, int n)
{
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		char *next = len ? xasprintf("%s%*s%.*s\n", out, n, "", (int)len, p)
		                 : xasprintf("%s\n", out);
		free(out);
		out = next;
		p += len + (p[len] == '\n');
	}
	return out;
}

int
manifest_ansible_playbook(char **ret_yaml, struct gp_error *err)
{
	struct manifest_file f[MANIFEST_ANSIBLE_N_FILES];
	if (manifest_ansible_layout(f, err) < 0)
		return -1;
	/* site.yml's play ends with its roles: the role goes inline in their place. */
	static const char roles[] = "  roles:\n    - gpuprep\n";
	const char *at = strstr(f[0].text, roles);
	if (!at || at[sizeof(roles) - 1] != '\0')
		return gp_error_set(err, "ansible-site.yml does not end with the play's roles");
	const struct template_file *defaults = template_find("ansible-playbook-vars.yml");
	if (!defaults)
		return gp_error_set(err,
		                    "the template 'ansible-playbook-vars.yml' is not built in");
	char *out =
	        xasprintf("%.*s  vars:\n    gpuprep_defaults:\n", (int)(at - f[0].text), f[0].text);
	out = append_indented(out, f[1].text, 6);
	char *next = xasprintf("%s  tasks:\n", out);
	free(out);
	out = append_indented(next, defaults->text, 4);
	next = xasprintf("%s\n", out);
	free(out);
	out = append_indented(next, f[2].text, 4);
	*ret_yaml = out;
	return 0;
}
