// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A stand-in libnvidia-ml.so.1 for the tests: the few NVML entry points
 * gpuprep loads with dlopen. It answers like a node with the 535.129.03
 * driver and two GPUs; FAKE_NVML_INIT_ERROR=N makes nvmlInit_v2 fail with N
 * (9 is NVML_ERROR_DRIVER_NOT_LOADED).
 */
#include <stdio.h>
#include <stdlib.h>

int nvmlInit_v2(void);
int nvmlShutdown(void);
int nvmlSystemGetDriverVersion(char *version, unsigned length);
int nvmlDeviceGetCount_v2(unsigned *count);
const char *nvmlErrorString(int result);

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
