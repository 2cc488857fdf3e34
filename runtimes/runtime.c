// SPDX-License-Identifier: GPL-2.0-or-later
#include "runtime.h"

#include <string.h>

const struct runtime_ops *const runtime_all[] = {
        &runtime_docker, &runtime_containerd, &runtime_cri_dockerd, &runtime_k3s, NULL,
};

const struct runtime_ops *
runtime_find(const char *name)
{
	for (size_t i = 0; runtime_all[i]; i++)
		if (strcmp(runtime_all[i]->name, name) == 0)
			return runtime_all[i];
	return NULL;
}
