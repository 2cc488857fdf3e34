// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The NVIDIA driver's userspace, asked for its version and GPU count: libnvidia-ml.so.1
 * through dlopen, else the node's nvidia-smi, else (under --root) the root's
 * /proc/driver/nvidia. See struct node_nvml in node.h.
 *
 * nvidia-smi is the general fallback, not a static-build special case: a static gpuprep has
 * no dlopen (musl's answers "Dynamic loading not supported"), and a dynamic one on a node
 * whose libnvidia-ml.so.1 is not on the loader's path gets the same answer through it.
 * nvidia-smi is itself an NVML client, so it is asked only when the library cannot be
 * loaded: when NVML loads but fails, nvidia-smi would fail the same way.
 */
#include "nvml.h"

#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "noderoot.h"
#include "proc.h"
#include "util.h"

/* Where the node's programs are; the same list detect uses for the runtimes. */
static const char *const smi_dirs[] = {
        "/usr/bin", "/usr/local/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/sbin",
};

/* nvidia-smi answers within a second on a healthy node; a wedged driver can hang it. */
#define SMI_TIMEOUT_MS 20000

const char *
node_nvml_status_name(enum node_nvml_status s)
{
	switch (s) {
	case NODE_NVML_UNAVAILABLE:
		return "unavailable";
	case NODE_NVML_FAILED:
		return "failed";
	case NODE_NVML_OK:
		return "ok";
	default:
		return "skipped";
	}
}

const char *
node_nvml_source_name(enum node_nvml_source s)
{
	switch (s) {
	case NODE_NVML_SOURCE_NVML:
		return "nvml";
	case NODE_NVML_SOURCE_NVIDIA_SMI:
		return "nvidia-smi";
	case NODE_NVML_SOURCE_PROC:
		return "proc";
	default:
		return NULL;
	}
}

const char *
node_mig_mode_name(enum node_mig_mode m)
{
	switch (m) {
	case NODE_MIG_ENABLED:
		return "enabled";
	case NODE_MIG_DISABLED:
		return "disabled";
	case NODE_MIG_UNSUPPORTED:
		return "unsupported";
	default:
		return NULL;
	}
}

/* NVML's and nvidia-smi's bus id ("00000000:3B:00.0") as lib/node/pci writes it. */
static char *
pci_address_of(const char *bus_id)
{
	unsigned dom, bus, dev, fn;
	char end;
	if (sscanf(bus_id, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn, &end) != 4 || dom > 0xffff ||
	    bus > 0xff || dev > 0x1f || fn > 7)
		return NULL;
	return xasprintf("%04x:%02x:%02x.%x", dom, bus, dev, fn);
}

const struct node_nvml_gpu *
node_nvml_gpu_find(const struct node_nvml *n, const char *pci_address)
{
	for (size_t i = 0; pci_address && i < n->n_gpus; i++)
		if (strcmp(n->gpus[i].pci_address, pci_address) == 0)
			return &n->gpus[i];
	return NULL;
}

static void
gpus_free(struct node_nvml_gpu *gpus, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(gpus[i].pci_address);
		free(gpus[i].name);
	}
	free(gpus);
}

/* A GPU's name as the driver gives it, trimmed; NULL for none: empty, "[N/A]", or with a
 * control character (it goes into a table on a terminal). */
static char *
gpu_name(char *s)
{
	s = str_strip(s);
	if (!*s || strcmp(s, "[N/A]") == 0)
		return NULL;
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return NULL;
	return xstrdup(s);
}

/* ---- libnvidia-ml.so.1 -------------------------------------------------------------------- */

/* NVML's entry points, looked up with dlsym: the library is never linked. */
typedef int (*nvml_init_fn)(void);
typedef int (*nvml_shutdown_fn)(void);
typedef int (*nvml_version_fn)(char *version, unsigned length);
typedef int (*nvml_count_fn)(unsigned *count);
typedef const char *(*nvml_error_string_fn)(int result);
/* nvml.h's nvmlPciInfo_t (v3) and the two calls that name a GPU and read its MIG mode. */
struct nvml_pci_info {
	char bus_id_legacy[16];
	unsigned domain, bus, device, pci_device_id, pci_subsystem_id;
	char bus_id[32];
};
typedef int (*nvml_handle_fn)(unsigned index, void **device);
typedef int (*nvml_pci_fn)(void *device, struct nvml_pci_info *pci);
typedef int (*nvml_mig_fn)(void *device, unsigned *current, unsigned *pending);
typedef int (*nvml_name_fn)(void *device, char *name, unsigned length);
#define NVML_ERROR_NOT_SUPPORTED 3
/* nvml.h's NVML_DEVICE_NAME_V2_BUFFER_SIZE */
#define NVML_NAME_SIZE 96

static char *
nvml_error(void *lib, const char *call, int r)
{
	nvml_error_string_fn es = (nvml_error_string_fn)dlsym(lib, "nvmlErrorString");
	const char *s = es ? es(r) : NULL;
	if (s)
		return xasprintf("%s: %s", call, s);
	return xasprintf("%s returned %d", call, r);
}

static enum node_mig_mode
nvml_mig_mode(unsigned m)
{
	return m == 1 ? NODE_MIG_ENABLED : m == 0 ? NODE_MIG_DISABLED : NODE_MIG_UNKNOWN;
}

/*
 * Each GPU's PCI address, MIG mode (drivers before R450 have no nvmlDeviceGetMigMode) and name
 * (a GPU whose name cannot be read has none; that is no error: pci.ids names most GPUs).
 */
static void
nvml_gpus(void *lib, struct node_nvml *n)
{
	nvml_handle_fn handle = (nvml_handle_fn)dlsym(lib, "nvmlDeviceGetHandleByIndex_v2");
	nvml_pci_fn pci = (nvml_pci_fn)dlsym(lib, "nvmlDeviceGetPciInfo_v3");
	nvml_mig_fn mig = (nvml_mig_fn)dlsym(lib, "nvmlDeviceGetMigMode");
	nvml_name_fn name = (nvml_name_fn)dlsym(lib, "nvmlDeviceGetName");
	if (!handle || !pci || !mig) {
		n->mig_error = xstrdup("libnvidia-ml.so.1 lacks nvmlDeviceGetHandleByIndex_v2, "
		                       "nvmlDeviceGetPciInfo_v3 or nvmlDeviceGetMigMode (a driver "
		                       "before R450 has no MIG)");
		return;
	}
	struct node_nvml_gpu *gpus = xcalloc(n->device_count + 1, sizeof(*gpus));
	size_t k = 0;
	for (unsigned i = 0; i < n->device_count; i++) {
		void *dev = NULL;
		struct nvml_pci_info info = {0};
		unsigned cur = 0, pend = 0;
		int r = handle(i, &dev);
		if (r == 0)
			r = pci(dev, &info);
		info.bus_id[sizeof(info.bus_id) - 1] = '\0';
		char *addr = r == 0 ? pci_address_of(info.bus_id) : NULL;
		if (!addr) {
			n->mig_error = r ? nvml_error(lib, "nvmlDeviceGetPciInfo_v3", r)
			                 : xasprintf("NVML names GPU %u '%s', not a PCI address", i,
			                             info.bus_id);
			gpus_free(gpus, k);
			return;
		}
		gpus[k].pci_address = addr;
		char nb[NVML_NAME_SIZE] = "";
		if (name && name(dev, nb, sizeof(nb)) == 0) {
			nb[sizeof(nb) - 1] = '\0';
			gpus[k].name = gpu_name(nb);
		}
		r = mig(dev, &cur, &pend);
		gpus[k].mig = r == NVML_ERROR_NOT_SUPPORTED ? NODE_MIG_UNSUPPORTED
		              : r == 0                      ? nvml_mig_mode(cur)
		                                            : NODE_MIG_UNKNOWN;
		gpus[k].mig_pending = r == NVML_ERROR_NOT_SUPPORTED ? NODE_MIG_UNSUPPORTED
		                      : r == 0                      ? nvml_mig_mode(pend)
		                                                    : NODE_MIG_UNKNOWN;
		if (r != 0 && r != NVML_ERROR_NOT_SUPPORTED && !n->mig_error)
			n->mig_error = nvml_error(lib, "nvmlDeviceGetMigMode", r);
		k++;
	}
	n->gpus = gpus;
	n->n_gpus = k;
}

/* Ask NVML. Returns false when the library cannot be loaded (n->nvml_error says why). */
static bool
nvml_probe(struct node_nvml *n)
{
	void *lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		const char *e = dlerror();
		n->nvml_error = xstrdup(e ? e : "libnvidia-ml.so.1 cannot be loaded");
		return false;
	}
	n->source = NODE_NVML_SOURCE_NVML;
	nvml_init_fn init = (nvml_init_fn)dlsym(lib, "nvmlInit_v2");
	nvml_shutdown_fn shutdown = (nvml_shutdown_fn)dlsym(lib, "nvmlShutdown");
	nvml_version_fn version = (nvml_version_fn)dlsym(lib, "nvmlSystemGetDriverVersion");
	nvml_count_fn count = (nvml_count_fn)dlsym(lib, "nvmlDeviceGetCount_v2");
	if (!init || !shutdown || !version || !count) {
		n->status = NODE_NVML_FAILED;
		n->error = xstrdup("libnvidia-ml.so.1 lacks nvmlInit_v2, nvmlShutdown, "
		                   "nvmlSystemGetDriverVersion or nvmlDeviceGetCount_v2");
		goto out;
	}
	int r = init();
	if (r != 0) {
		n->status = NODE_NVML_FAILED;
		n->error = nvml_error(lib, "nvmlInit_v2", r);
		goto out;
	}
	char buf[96] = "";
	unsigned c = 0;
	if ((r = version(buf, sizeof(buf))) != 0) {
		n->status = NODE_NVML_FAILED;
		n->error = nvml_error(lib, "nvmlSystemGetDriverVersion", r);
	} else if ((r = count(&c)) != 0) {
		n->status = NODE_NVML_FAILED;
		n->error = nvml_error(lib, "nvmlDeviceGetCount_v2", r);
	} else {
		buf[sizeof(buf) - 1] = '\0';
		n->status = NODE_NVML_OK;
		n->driver_version = xstrdup(buf);
		n->device_count = c;
		n->has_count = true;
		nvml_gpus(lib, n);
	}
	shutdown();
out:
	dlclose(lib);
	return true;
}

/* ---- nvidia-smi --------------------------------------------------------------------------- */

static bool
is_driver_version(const char *s, size_t n)
{
	if (n == 0 || n > 32 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && s[i] != '.')
			return false;
	return true;
}

int
node_parse_nvidia_smi(const char *text, char **ret_version, unsigned *ret_count, char **ret_error)
{
	_cleanup_free_ char *version = NULL;
	unsigned count = 0, lines = 0, lineno = 0;
	const char *line = text;
	while (line && *line) {
		const char *eol = line + strcspn(line, "\n");
		size_t len = (size_t)(eol - line);
		lineno++;
		while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
			len--;
		if (len > 0) {
			const char *comma = memchr(line, ',', len);
			size_t nv = comma ? (size_t)(comma - line) : len;
			const char *c = comma ? comma + 1 : NULL;
			while (c && c < line + len && *c == ' ')
				c++;
			size_t nc = c ? (size_t)(line + len - c) : 0;
			if (!comma || !is_driver_version(line, nv) || nc == 0 || nc > 6 ||
			    strspn(c, "0123456789") < nc) {
				*ret_error =
				        xasprintf("line %u: expected 'VERSION, COUNT', got '%.*s'",
				                  lineno, (int)(len > 80 ? 80 : len), line);
				return -1;
			}
			unsigned cnt = (unsigned)strtoul(c, NULL, 10);
			if (!version) {
				version = xstrndup(line, nv);
				count = cnt;
			} else if (strlen(version) != nv || strncmp(version, line, nv) != 0 ||
			           cnt != count) {
				*ret_error = xasprintf("line %u: '%.*s' differs from line 1",
				                       lineno, (int)(len > 80 ? 80 : len), line);
				return -1;
			}
			lines++;
		}
		line = *eol ? eol + 1 : NULL;
	}
	if (!version) {
		*ret_error = xstrdup("no GPU lines");
		return -1;
	}
	if (lines != count) {
		*ret_error = xasprintf("%u GPU lines, but the count column says %u", lines, count);
		return -1;
	}
	*ret_version = TAKE_PTR(version);
	*ret_count = count;
	return 0;
}

static enum node_mig_mode
smi_mig_mode(const char *s, size_t n)
{
	if (n == 7 && strncmp(s, "Enabled", 7) == 0)
		return NODE_MIG_ENABLED;
	if (n == 8 && strncmp(s, "Disabled", 8) == 0)
		return NODE_MIG_DISABLED;
	if ((n == 5 && strncmp(s, "[N/A]", 5) == 0) || (n == 3 && strncmp(s, "N/A", 3) == 0) ||
	    (n == 15 && strncmp(s, "[Not Supported]", 15) == 0))
		return NODE_MIG_UNSUPPORTED;
	return NODE_MIG_UNKNOWN;
}

int
node_parse_nvidia_smi_mig(const char *text, struct node_nvml_gpu **ret_gpus, size_t *ret_n,
                          char **ret_error)
{
	struct node_nvml_gpu *gpus = NULL;
	size_t n = 0;
	unsigned lineno = 0;
	for (const char *line = text; line && *line;) {
		const char *eol = line + strcspn(line, "\n");
		size_t len = (size_t)(eol - line);
		lineno++;
		while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
			len--;
		_cleanup_free_ char *copy = xstrndup(line, len);
		const char *orig = line;
		line = *eol ? eol + 1 : NULL;
		if (!*copy)
			continue;
		/* BUS_ID, CURRENT, PENDING, then the name: the rest of the line */
		char *f[4] = {copy, NULL, NULL, NULL};
		size_t nf = 1;
		for (char *c = copy; nf < 4 && (c = strchr(c, ',')); nf++) {
			*c++ = '\0';
			f[nf] = c;
		}
		for (size_t i = 0; i < nf; i++)
			f[i] = str_strip(f[i]);
		char *addr = nf == 4 ? pci_address_of(f[0]) : NULL;
		enum node_mig_mode cur = nf == 4 ? smi_mig_mode(f[1], strlen(f[1])) : 0;
		enum node_mig_mode pend = nf == 4 ? smi_mig_mode(f[2], strlen(f[2])) : 0;
		if (!addr || !cur || !pend) {
			free(addr);
			gpus_free(gpus, n);
			*ret_error = xasprintf("line %u: expected 'BUS_ID, MIG MODE, PENDING MIG "
			                       "MODE, NAME', got '%.*s'",
			                       lineno, (int)(len > 80 ? 80 : len), orig);
			return -1;
		}
		char *name = gpu_name(f[3]);
		gpus = xrealloc(gpus, (n + 1) * sizeof(*gpus));
		gpus[n++] = (struct node_nvml_gpu){addr, cur, pend, name};
	}
	*ret_gpus = gpus;
	*ret_n = n;
	return 0;
}

/* Run the node's nvidia-smi with one --query-gpu, for CSV without a header. */
static int
smi_run(const struct node_nvml *n, const char *query, struct proc_result *res, struct gp_error *e)
{
	_cleanup_free_ char *q = xasprintf("--query-gpu=%s", query);
	char *const argv[] = {n->nvidia_smi, q, "--format=csv,noheader", NULL};
	struct proc_opts po = {.timeout_ms = SMI_TIMEOUT_MS, .keep_output = true};
	return proc_run(argv, &po, res, e);
}

static char *
smi_timeout_error(const struct node_nvml *n)
{
	return xasprintf("'%s' did not answer within %d s", n->nvidia_smi, SMI_TIMEOUT_MS / 1000);
}

/* The MIG modes and names from the same nvidia-smi: a driver before R450 does not know the
 * MIG fields. */
static void
smi_mig_probe(struct node_nvml *n)
{
	struct proc_result res = {0};
	struct gp_error e = {0};
	_cleanup_free_ char *perr = NULL;
	if (smi_run(n, "pci.bus_id,mig.mode.current,mig.mode.pending,name", &res, &e) < 0) {
		n->mig_error = xasprintf("cannot run '%s': %s", n->nvidia_smi, e.msg ? e.msg : "?");
		gp_error_release(&e);
		return;
	}
	const char *out = res.output ? res.output : "";
	if (res.timed_out || res.status != 0) {
		out += strspn(out, " \t\r\n");
		n->mig_error = xasprintf("'%s' cannot tell the MIG mode (exit %d): %.*s",
		                         n->nvidia_smi, res.status, (int)strcspn(out, "\r\n"), out);
	} else if (node_parse_nvidia_smi_mig(out, &n->gpus, &n->n_gpus, &perr) < 0) {
		n->mig_error = xasprintf("cannot read the MIG modes '%s' printed: %s",
		                         n->nvidia_smi, perr);
	}
	proc_result_release(&res);
}

static char *
find_nvidia_smi(void)
{
	for (size_t i = 0; i < GP_ARRAY_SIZE(smi_dirs); i++) {
		_cleanup_free_ char *p = xasprintf("%s/nvidia-smi", smi_dirs[i]);
		struct stat st;
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111))
			return TAKE_PTR(p);
	}
	return NULL;
}

static char *
dirs_list(void)
{
	struct strbuf b = {0};
	for (size_t i = 0; i < GP_ARRAY_SIZE(smi_dirs); i++) {
		strbuf_puts(&b, i ? ", " : "");
		strbuf_puts(&b, smi_dirs[i]);
	}
	return b.s;
}

int
node_parse_nvidia_smi_all(const char *text, char **ret_version, unsigned *ret_count,
                          struct node_nvml_gpu **ret_gpus, size_t *ret_n, char **ret_error)
{
	/* Each line's first two columns to one text, the rest to another, line for line. */
	struct strbuf a = {0}, b = {0};
	for (const char *line = text; line && *line;) {
		const char *eol = line + strcspn(line, "\n");
		const char *c1 = memchr(line, ',', (size_t)(eol - line));
		const char *c2 = c1 ? memchr(c1 + 1, ',', (size_t)(eol - c1 - 1)) : NULL;
		if (!c2 && eol > line + strspn(line, " \t\r")) {
			free(a.s);
			free(b.s);
			*ret_error = xasprintf("expected 'VERSION, COUNT, BUS_ID, ...', got '%.*s'",
			                       (int)(eol - line > 80 ? 80 : eol - line), line);
			return -1;
		}
		if (c2) {
			strbuf_printf(&a, "%.*s", (int)(c2 - line), line);
			const char *rest = c2 + 1 + strspn(c2 + 1, " ");
			strbuf_printf(&b, "%.*s", (int)(eol - rest), rest);
		}
		strbuf_puts(&a, "\n");
		strbuf_puts(&b, "\n");
		line = *eol ? eol + 1 : NULL;
	}
	_cleanup_free_ char *version = NULL;
	unsigned count = 0;
	struct node_nvml_gpu *gpus = NULL;
	size_t n = 0;
	int r = node_parse_nvidia_smi(a.s ? a.s : "", &version, &count, ret_error);
	if (r == 0 && node_parse_nvidia_smi_mig(b.s ? b.s : "", &gpus, &n, ret_error) < 0) {
		r = -1;
	} else if (r == 0 && n != count) {
		/* "535.129.03, 1," alone: a GPU line without its bus id */
		*ret_error = xasprintf("%zu GPU lines with a bus id, but the count column says %u",
		                       n, count);
		gpus_free(gpus, n);
		r = -1;
	}
	free(a.s);
	free(b.s);
	if (r < 0)
		return -1;
	*ret_version = TAKE_PTR(version);
	*ret_count = count;
	*ret_gpus = gpus;
	*ret_n = n;
	return 0;
}

/*
 * One nvidia-smi for everything (each run starts the driver's NVML: about 25 ms on an H200
 * node). True when it answered; false when it could not (a driver before R450 knows no MIG
 * fields: exit 2, "Field ... is not a valid field to query."), and the two queries below are
 * made instead, each with its own error.
 */
static bool
smi_probe_all(struct node_nvml *n)
{
	struct proc_result res = {0};
	struct gp_error e = {0};
	if (smi_run(n, "driver_version,count,pci.bus_id,mig.mode.current,mig.mode.pending,name",
	            &res, &e) < 0) {
		gp_error_release(&e);
		return false;
	}
	bool ok = false;
	_cleanup_free_ char *perr = NULL;
	if (res.timed_out) {
		/* A wedged driver: asking again would only wait as long again. */
		n->status = NODE_NVML_FAILED;
		n->error = smi_timeout_error(n);
		ok = true;
	} else if (res.status == 0 &&
	           node_parse_nvidia_smi_all(res.output ? res.output : "", &n->driver_version,
	                                     &n->device_count, &n->gpus, &n->n_gpus, &perr) == 0) {
		n->status = NODE_NVML_OK;
		n->has_count = true;
		ok = true;
	}
	proc_result_release(&res);
	return ok;
}

/* Run the running system's nvidia-smi (never one under a root). */
static void
smi_probe(struct node_nvml *n)
{
	n->nvidia_smi = find_nvidia_smi();
	if (!n->nvidia_smi) {
		_cleanup_free_ char *dirs = dirs_list();
		n->status = NODE_NVML_UNAVAILABLE;
		n->error = xasprintf("cannot load libnvidia-ml.so.1 (%s), and there is no "
		                     "nvidia-smi in %s",
		                     n->nvml_error, dirs);
		return;
	}
	n->source = NODE_NVML_SOURCE_NVIDIA_SMI;
	if (smi_probe_all(n))
		return;
	struct proc_result res = {0};
	struct gp_error e = {0};
	if (smi_run(n, "driver_version,count", &res, &e) < 0) {
		n->status = NODE_NVML_FAILED;
		n->error = xasprintf("cannot run '%s': %s", n->nvidia_smi, e.msg ? e.msg : "?");
		gp_error_release(&e);
		return;
	}
	/* Its first words say what is wrong ("NVIDIA-SMI has failed because ..."). */
	const char *out = res.output ? res.output : "";
	out += strspn(out, " \t\r\n");
	_cleanup_free_ char *tail = xstrndup(out, strcspn(out, "\r\n"));
	_cleanup_free_ char *perr = NULL;
	if (res.timed_out) {
		n->status = NODE_NVML_FAILED;
		n->error = smi_timeout_error(n);
	} else if (res.status != 0) {
		n->status = NODE_NVML_FAILED;
		n->error = xasprintf("'%s' exited with %d%s%s", n->nvidia_smi, res.status,
		                     *tail ? ": " : "", tail);
	} else if (node_parse_nvidia_smi(res.output ? res.output : "", &n->driver_version,
	                                 &n->device_count, &perr) < 0) {
		n->status = NODE_NVML_FAILED;
		n->error = xasprintf("cannot read the output of '%s': %s", n->nvidia_smi, perr);
	} else {
		n->status = NODE_NVML_OK;
		n->has_count = true;
	}
	proc_result_release(&res);
	if (n->status == NODE_NVML_OK)
		smi_mig_probe(n);
}

/* ---- under --root: the root's /proc/driver/nvidia ----------------------------------------- */

static void
proc_read(const char *root, const char *proc_version, struct node_nvml *n)
{
	if (!proc_version)
		return;
	n->driver_version = xstrdup(proc_version);
	n->source = NODE_NVML_SOURCE_PROC;
	DIR *d = noderoot_opendir(root, "/proc/driver/nvidia/gpus");
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n->device_count++;
	closedir(d);
	n->has_count = true;
}

/* ---- the whole probe ---------------------------------------------------------------------- */

void
node_nvml_detect(const char *root, bool skip, const char *proc_version, struct node_nvml *ret)
{
	struct node_nvml n = {.status = NODE_NVML_SKIPPED};
	if (gp_root_is_set(root))
		proc_read(root, proc_version, &n);
	else if (!skip && !nvml_probe(&n))
		smi_probe(&n);
	*ret = n;
}

void
node_nvml_release(struct node_nvml *n)
{
	if (!n)
		return;
	free(n->driver_version);
	free(n->nvidia_smi);
	free(n->nvml_error);
	free(n->error);
	gpus_free(n->gpus, n->n_gpus);
	free(n->mig_error);
	*n = (struct node_nvml){0};
}

static json_t *
str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *
node_nvml_to_json(const struct node_nvml *n)
{
	json_t *o = json_object();
	json_object_set_new(o, "status", json_string(node_nvml_status_name(n->status)));
	json_object_set_new(o, "source", str_or_null(node_nvml_source_name(n->source)));
	json_object_set_new(o, "driver_version", str_or_null(n->driver_version));
	json_object_set_new(o, "device_count",
	                    n->has_count ? json_integer(n->device_count) : json_null());
	json_object_set_new(o, "nvidia_smi", str_or_null(n->nvidia_smi));
	json_object_set_new(o, "nvml_error", str_or_null(n->nvml_error));
	json_object_set_new(o, "error", str_or_null(n->error));
	json_object_set_new(o, "mig_error", str_or_null(n->mig_error));
	return o;
}
