// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A stand-in libnvidia-ml.so.1 for the tests: the few NVML entry points
 * gpuprep loads with dlopen. It answers like a node with the 535.129.03
 * driver and two GPUs; FAKE_NVML_INIT_ERROR=N makes nvmlInit_v2 fail with N
 * (9 is NVML_ERROR_DRIVER_NOT_LOADED).
 *
 * The two GPUs are tests/fixtures/nodes/t4-a100's: a T4 at 00000000:3B:00.0, which has no MIG
 * (nvmlDeviceGetMigMode answers NVML_ERROR_NOT_SUPPORTED, as on every GPU before Ampere), and
 * an A100 at 00000000:86:00.0 with MIG disabled. FAKE_NVML_MIG=CURRENT/PENDING (0 or 1) sets
 * the A100's modes, FAKE_NVML_MIG=3 makes its call fail as on the T4. nvmlDeviceGetName answers
 * the names the driver gives these two ("Tesla T4", "NVIDIA A100-PCIE-40GB").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int nvmlInit_v2(void);
int nvmlShutdown(void);
int nvmlSystemGetDriverVersion(char *version, unsigned length);
int nvmlDeviceGetCount_v2(unsigned *count);
const char *nvmlErrorString(int result);

/* nvml.h's nvmlPciInfo_t (v3). */
struct pci_info {
	char bus_id_legacy[16];
	unsigned domain, bus, device, pci_device_id, pci_subsystem_id;
	char bus_id[32];
};
struct device {
	const char *bus_id;
	unsigned pci_device_id; /* device << 16 | vendor */
	unsigned bus;
	const char *name;
};
static struct device devices[] = {
        {"00000000:3B:00.0", 0x1eb810de, 0x3b, "Tesla T4"},
        {"00000000:86:00.0", 0x20f110de, 0x86, "NVIDIA A100-PCIE-40GB"},
};
int nvmlDeviceGetHandleByIndex_v2(unsigned index, struct device **device);
int nvmlDeviceGetPciInfo_v3(struct device *device, struct pci_info *pci);
int nvmlDeviceGetMigMode(struct device *device, unsigned *current, unsigned *pending);
int nvmlDeviceGetName(struct device *device, char *name, unsigned length);

static int initialized;

int
nvmlInit_v2(void)
{
	const char *e = getenv("FAKE_NVML_INIT_ERROR");
	if (e && *e)
		return atoi(e);
	initialized++;
	return 0;
}

int
nvmlShutdown(void)
{
	if (!initialized)
		return 1; /* NVML_ERROR_UNINITIALIZED */
	initialized--;
	return 0;
}

int
nvmlSystemGetDriverVersion(char *version, unsigned length)
{
	if (!initialized)
		return 1;
	if ((unsigned)snprintf(version, length, "%s", "535.129.03") >= length)
		return 7; /* NVML_ERROR_INSUFFICIENT_SIZE */
	return 0;
}

int
nvmlDeviceGetCount_v2(unsigned *count)
{
	if (!initialized)
		return 1;
	*count = 2;
	return 0;
}

int
nvmlDeviceGetHandleByIndex_v2(unsigned index, struct device **device)
{
	if (!initialized)
		return 1;
	if (index >= 2)
		return 2; /* NVML_ERROR_INVALID_ARGUMENT */
	*device = &devices[index];
	return 0;
}

int
nvmlDeviceGetPciInfo_v3(struct device *device, struct pci_info *pci)
{
	if (!initialized)
		return 1;
	memset(pci, 0, sizeof(*pci));
	snprintf(pci->bus_id, sizeof(pci->bus_id), "%s", device->bus_id);
	snprintf(pci->bus_id_legacy, sizeof(pci->bus_id_legacy), "%s", device->bus_id + 4);
	pci->bus = device->bus;
	pci->pci_device_id = device->pci_device_id;
	return 0;
}

int
nvmlDeviceGetMigMode(struct device *device, unsigned *current, unsigned *pending)
{
	if (!initialized)
		return 1;
	if (device == &devices[0])
		return 3; /* NVML_ERROR_NOT_SUPPORTED: a T4 has no MIG */
	const char *m = getenv("FAKE_NVML_MIG");
	if (m && strcmp(m, "3") == 0)
		return 3;
	*current = 0;
	*pending = 0;
	if (m && *m && sscanf(m, "%u/%u", current, pending) != 2)
		return 999; /* NVML_ERROR_UNKNOWN */
	return 0;
}

int
nvmlDeviceGetName(struct device *device, char *name, unsigned length)
{
	if (!initialized)
		return 1;
	if ((unsigned)snprintf(name, length, "%s", device->name) >= length)
		return 7; /* NVML_ERROR_INSUFFICIENT_SIZE */
	return 0;
}

const char *
nvmlErrorString(int result)
{
	switch (result) {
	case 0:
		return "Success";
	case 1:
		return "Uninitialized";
	case 9:
		return "Driver Not Loaded";
	default:
		return "Unknown Error";
	}
}
