// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdlib.h>

#include "cdispec.h"
#include "tap.h"

static void
version(const char *text, const char *want, const char *name)
{
	char *v = cdispec_driver_version(text);
	is_str(v, want, name);
	free(v);
}

int
main(void)
{
	/* The shape nvidia-ctk writes (NVIDIA/nvidia-container-runtime#85, a DGX A100). */
	version("cdiVersion: 0.4.0\nkind: nvidia.com/gpu\ncontainerEdits:\n  mounts:\n"
	        "  - containerPath: /usr/lib/x86_64-linux-gnu/libnvidia-ml.so.460.91.03\n"
	        "    hostPath: /usr/lib/x86_64-linux-gnu/libnvidia-ml.so.460.91.03\n"
	        "  - containerPath: /usr/lib/x86_64-linux-gnu/libcuda.so.460.91.03\n"
	        "    hostPath: /usr/lib/x86_64-linux-gnu/libcuda.so.460.91.03\n",
	        "460.91.03", "YAML: libcuda's version");
	version("{\"containerEdits\": {\"mounts\": [{\"hostPath\": "
	        "\"/usr/lib64/libcuda.so.550.54.15\"}]}}",
	        "550.54.15", "JSON: libcuda's version, up to the quote");
	version("  - hostPath: /usr/lib64/libnvidia-ml.so.520.61.05\n", "520.61.05",
	        "no libcuda: libnvidia-ml's");
	version("    - libcuda.so.1::/usr/lib/x86_64-linux-gnu/libcuda.so\n"
	        "  - hostPath: /usr/lib/x86_64-linux-gnu/libcuda.so.535.129.03\n",
	        "535.129.03", "the soname link libcuda.so.1 is not a version");
	version("  - hostPath: /usr/lib/libcuda.so.1\n", NULL, "only the soname: none");
	version("  - hostPath: /usr/lib/libcuda.so.535.\n", NULL, "a trailing dot: none");
	version("  - hostPath: /usr/lib/libcuda.so.535.1x\n", NULL, "not a version: none");
	version("kind: nvidia.com/gpu\n", NULL, "no library: none");
	version("", NULL, "empty: none");
	return tap_done();
}
