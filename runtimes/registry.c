// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The registry: every runtime's ops, in report order, and finding them by name or
 * by what is installed. It sits above the runtime modules (each of which uses only
 * the shared helpers in runtime.c and live.c), so no module reaches the table.
 */
#include "runtime.h"

#include <string.h>

const struct runtime_ops *const runtime_all[] = {
        &runtime_docker, &runtime_containerd, &runtime_crio, &runtime_cri_dockerd,
        &runtime_k3s,    &runtime_rke2,       NULL,
};

const struct runtime_ops *
runtime_find(const char *name)
{
	for (size_t i = 0; runtime_all[i]; i++)
		if (strcmp(runtime_all[i]->name, name) == 0)
			return runtime_all[i];
	return NULL;
}

char *
runtime_configurable_names(void)
{
	struct strbuf s = {0};
	size_t n = 0, total = 0;
	for (size_t i = 0; runtime_all[i]; i++)
		total += runtime_all[i]->configure != NULL;
	for (size_t i = 0; runtime_all[i]; i++) {
		if (!runtime_all[i]->configure)
			continue;
		strbuf_puts(&s, n == 0 ? "" : n + 1 == total ? " or " : ", ");
		strbuf_puts(&s, runtime_all[i]->name);
		n++;
	}
	return s.s ? s.s : xstrdup("");
}

const struct runtime_ops **
runtime_detect_installed(const char *root)
{
	size_t n = 0;
	const struct runtime_ops **v = xcalloc(GP_ARRAY_SIZE(runtime_all), sizeof(*v));
	for (size_t i = 0; runtime_all[i]; i++) {
		if (!runtime_all[i]->config_path)
			continue;
		_cleanup_free_ char *bin = runtime_find_binary(root, runtime_all[i]);
		if (bin)
			v[n++] = runtime_all[i];
	}
	return v;
}
