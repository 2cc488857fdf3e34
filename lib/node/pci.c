// SPDX-License-Identifier: GPL-2.0-or-later
#include "pci.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pci/pci.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "noderoot.h"
#include "pciso.h"
#include "pciids.h"

bool
pci_is_gpu(uint16_t vendor_id, uint16_t class_id)
{
	return vendor_id == PCI_VENDOR_NVIDIA &&
	       (class_id == PCI_CLASS_VGA || class_id == PCI_CLASS_3D);
}

const char *
pci_class_label(uint16_t class_id)
{
	static const struct {
		uint16_t id;
		const char *label;
	} labels[] = {
	        {0x0300, "VGA controller"},     {0x0302, "3D controller"},
	        {0x0380, "display controller"}, {0x0403, "audio device"},
	        {0x0604, "PCI bridge"},         {0x0680, "bridge (NVSwitch)"},
	        {0x0c03, "USB controller"},     {0x0c80, "serial bus controller (UCSI)"},
	};
	for (size_t i = 0; i < GP_ARRAY_SIZE(labels); i++)
		if (labels[i].id == class_id)
			return labels[i].label;
	return NULL;
}

/* ---- the dump validator ------------------------------------------------------------------- */

#define DUMP_MAX_LINE     253 /* libpci reads lines with fgets() into 255 bytes */
#define DUMP_CONFIG_MAX   4096
#define DUMP_HEADER_BYTES 64

struct dump_device {
	uint64_t key; /* domain:bus:slot.func */
	unsigned line;
	uint64_t header_mask; /* which of the first 64 config bytes were given */
	char address[16];
};

/* The name of a function no pci.ids names. */
#define PCI_NAME_UNKNOWN "unknown"

static int
dump_error(struct gp_error *err, unsigned line, size_t col, const char *what)
{
	return gp_error_set(err, "%u:%zu: %s", line, col, what);
}

static size_t
hex_run(const char *s, size_t n)
{
	size_t k = 0;
	while (k < n && hex_value(s[k]) >= 0)
		k++;
	return k;
}

static uint64_t
hex_parse(const char *s, size_t k)
{
	uint64_t v = 0;
	for (size_t i = 0; i < k; i++)
		v = v << 4 | (uint64_t)hex_value(s[i]);
	return v;
}

static int
dump_key_cmp(const void *a, const void *b)
{
	const struct dump_device *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* A device line; p is the line without its newline, k its leading hex digits. */
static int
dump_device_line(const char *p, size_t n, size_t k, unsigned lineno, struct dump_device *ret,
                 struct gp_error *err)
{
	uint64_t domain = 0;
	size_t i = 0;
	if (k == 4 || k == 5) {
		domain = hex_parse(p, k);
		i = k + 1;
		if (i + 2 > n || hex_run(p + i, 2) != 2)
			return dump_error(err, lineno, i + 1,
			                  "expected the bus number (2 hex digits)");
		if (i + 2 >= n || p[i + 2] != ':')
			return dump_error(err, lineno, i + 3, "expected ':' after the bus number");
	} else if (k != 2) {
		return dump_error(err, lineno, 1,
		                  "expected a device address ([DDDD:]BB:SS.F) or a config offset");
	}
	unsigned bus = (unsigned)hex_parse(p + i, 2);
	i += 3;
	if (i + 2 > n || hex_run(p + i, 2) != 2)
		return dump_error(err, lineno, i + 1, "expected the slot number (2 hex digits)");
	unsigned slot = (unsigned)hex_parse(p + i, 2);
	if (slot > 0x1f)
		return dump_error(err, lineno, i + 1, "slot number out of range (00 to 1f)");
	i += 2;
	if (i >= n || p[i] != '.')
		return dump_error(err, lineno, i + 1, "expected '.' after the slot number");
	i++;
	if (i >= n || p[i] < '0' || p[i] > '7')
		return dump_error(err, lineno, i + 1, "expected the function number (0 to 7)");
	unsigned func = (unsigned)(p[i] - '0');
	i++;
	if (i >= n || p[i] != ' ')
		return dump_error(err, lineno, i + 1, "expected ' ' after the device address");

	*ret = (struct dump_device){
	        .key = domain << 24 | bus << 16 | slot << 8 | func,
	        .line = lineno,
	};
	snprintf(ret->address, sizeof(ret->address), "%04x:%02x:%02x.%u", (unsigned)domain, bus,
	         slot, func);
	return 0;
}

/* A config line "OO: XX XX ..."; k is the length of the offset. */
static int
dump_config_line(const char *p, size_t n, size_t k, unsigned lineno, struct dump_device *dev,
                 struct gp_error *err)
{
	if (!dev)
		return dump_error(err, lineno, 1,
		                  "config bytes outside a device (no device line above them)");
	if (k < 2 || k > 8)
		return dump_error(err, lineno, 1, "expected a config offset of 2 to 8 hex digits");
	uint64_t off = hex_parse(p, k);
	if (off >= DUMP_CONFIG_MAX)
		return dump_error(err, lineno, 1, "config offset beyond 4096 bytes");
	size_t i = k + 1;
	if (i >= n || p[i] != ' ')
		return dump_error(err, lineno, i + 1, "expected ' ' after the config offset");
	i++;
	while (i < n) {
		if (i + 2 > n || hex_run(p + i, 2) != 2)
			return dump_error(err, lineno, i + 1, "expected a byte (2 hex digits)");
		if (off >= DUMP_CONFIG_MAX)
			return dump_error(err, lineno, i + 1, "config space ends at 4096 bytes");
		if (off < DUMP_HEADER_BYTES)
			dev->header_mask |= UINT64_C(1) << off;
		off++;
		i += 2;
		if (i == n)
			break;
		if (p[i] != ' ')
			return dump_error(err, lineno, i + 1, "expected ' ' between bytes");
		i++;
	}
	return 0;
}

int
pci_dump_validate(const char *text, size_t len, struct gp_error *err)
{
	_cleanup_free_ struct dump_device *devs = NULL;
	size_t ndevs = 0, cap = 0;
	struct dump_device *cur = NULL;
	unsigned lineno = 0;
	size_t pos = 0;

	while (pos < len) {
		const char *p = text + pos;
		const char *nl = memchr(p, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - p) : len - pos;
		lineno++;
		const char *nul = memchr(p, '\0', n);
		if (nul)
			return dump_error(err, lineno, (size_t)(nul - p) + 1, "NUL byte");
		if (n > DUMP_MAX_LINE)
			return dump_error(err, lineno, DUMP_MAX_LINE + 1,
			                  "line too long (at most 253 bytes)");
		if (!nl)
			return dump_error(err, lineno, n + 1, "no newline at the end of the file");
		pos += n + 1;
		if (n > 0 && p[n - 1] == '\r')
			n--;

		if (n == 0) {
			cur = NULL;
			continue;
		}
		if (p[0] == '\t' || p[0] == ' ') {
			if (!cur)
				return dump_error(err, lineno, 1, "indented line outside a device");
			continue;
		}
		size_t k = hex_run(p, n);
		if (k == 0)
			return dump_error(err, lineno, 1,
			                  "expected a device line ('BB:SS.F ...'), a config line "
			                  "('OO: XX ...') or an empty line");
		if (k > 8)
			return dump_error(err, lineno, 9, "too many hex digits");
		if (k >= n || p[k] != ':')
			return dump_error(err, lineno, k + 1, "expected ':'");
		/* "BB:SS.F " and "DDDD:BB:SS.F " have a hex digit after the first ':'. */
		bool device = k + 1 < n && hex_value(p[k + 1]) >= 0;
		if (device) {
			if (ndevs == cap) {
				cap = cap ? cap * 2 : 16;
				devs = xrealloc(devs, cap * sizeof(*devs));
			}
			if (dump_device_line(p, n, k, lineno, &devs[ndevs], err) < 0)
				return -1;
			cur = &devs[ndevs++];
		} else if (dump_config_line(p, n, k, lineno, cur, err) < 0) {
			return -1;
		}
	}

	for (size_t i = 0; i < ndevs; i++)
		if (devs[i].header_mask != UINT64_MAX) {
			_cleanup_free_ char *m = xasprintf(
			        "device %s lacks part of the first 64 bytes of its config space",
			        devs[i].address);
			return dump_error(err, devs[i].line, 1, m);
		}

	/* The same address twice: report the later line of the earliest such pair. */
	if (ndevs > 1)
		qsort(devs, ndevs, sizeof(*devs), dump_key_cmp);
	const struct dump_device *dup = NULL;
	for (size_t i = 1; i < ndevs; i++)
		if (devs[i].key == devs[i - 1].key && (!dup || devs[i].line < dup->line))
			dup = &devs[i];
	if (dup) {
		_cleanup_free_ char *m = xasprintf("device %s appears twice", dup->address);
		return dump_error(err, dup->line, 1, m);
	}
	return 0;
}

/* ---- libpci callbacks --------------------------------------------------------------------- */

/*
 * libpci's callbacks take no user data, so the scan in progress is found
 * through these. The error callback must not return: it jumps back into
 * pci_scan_gpus(), which turns the message into a gp_error.
 */
static __thread jmp_buf *pci_jmp;
static __thread char pci_errmsg[1024];
static __thread char ***pci_warnings;

static _noreturn_ _printf_(1, 2) void pci_on_error(char *msg, ...)
{
	va_list ap;
	va_start(ap, msg);
	vsnprintf(pci_errmsg, sizeof(pci_errmsg), msg, ap);
	va_end(ap);
	pci_errmsg[strcspn(pci_errmsg, "\n")] = '\0';
	longjmp(*pci_jmp, 1);
}

static _printf_(1, 2) void pci_on_warning(char *msg, ...)
{
	if (!pci_warnings)
		return;
	va_list ap;
	va_start(ap, msg);
	_cleanup_free_ char *m = xvasprintf(msg, ap);
	va_end(ap);
	*pci_warnings = strv_push(*pci_warnings, m);
}

static _printf_(1, 2) void pci_on_debug(char *msg, ...)
{
	(void)msg;
}

/* ---- names -------------------------------------------------------------------------------- */

/*
 * Loading the whole pci.ids (1.3 MB) into libpci's hash costs more than the
 * rest of the scan together, and only NVIDIA's block is ever asked for. So
 * libpci reads a copy of that block, in a memfd, preceded by as many empty
 * lines as came before it, so libpci's line numbers still match the file.
 * A gzipped file, or a system without memfd or /proc, gets the whole file.
 */
struct ids_subset {
	int fd;
	char path[64];    /* /proc/self/fd/N */
	char *source;     /* the file it was made from */
	char version[16]; /* its "# Version: YYYY.MM.DD", or "" (unknown: older than any) */
};

static void
ids_subset_release(struct ids_subset *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->source);
	s->source = NULL;
}

/*
 * Copy NVIDIA's vendor block out of a pci.ids stream, with one empty line for
 * every line before it and for every line in it that a device lookup never
 * needs (subsystems, comments), so line numbers stay those of the file.
 * Returns false when there is no such block.
 */
/* "#\tVersion: 2023.04.10" (n bytes at line) into version (16 bytes), if it is that line. */
static void
ids_version_line(const char *line, size_t n, char *version)
{
	if (version[0] || n < 2 || line[0] != '#')
		return;
	size_t i = 1;
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (n - i < 8 || memcmp(line + i, "Version:", 8) != 0)
		return;
	i += 8;
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	const char *v = line + i;
	if (n - i >= 10 && strspn(v, "0123456789.") >= 10 && v[4] == '.' && v[7] == '.') {
		memcpy(version, v, 10);
		version[10] = '\0';
	}
}

static bool
ids_extract_nvidia(FILE *f, struct strbuf *out, char *version)
{
	char buf[1 << 16];
	size_t len = 0, before = 0;
	bool in_block = false, done = false;

	while (!done) {
		size_t r = fread(buf + len, 1, sizeof(buf) - len, f);
		len += r;
		bool eof = r == 0;
		size_t pos = 0;
		while (pos < len) {
			const char *line = buf + pos;
			const char *nl = memchr(line, '\n', len - pos);
			if (!nl && !eof && !(pos == 0 && len == sizeof(buf)))
				break; /* the rest of this line is in the next read */
			size_t end = nl ? (size_t)(nl - buf) + 1 : len;
			size_t n = end - pos;
			pos = end;
			if (!in_block) {
				if (n < 5 || memcmp(line, "10de ", 5) != 0) {
					ids_version_line(line, n, version);
					before++;
					continue;
				}
				in_block = true;
				for (size_t k = 0; k < before; k++)
					strbuf_add(out, "\n", 1);
			} else if (line[0] != '\t' && line[0] != '#' && line[0] != '\n' &&
			           line[0] != '\r') {
				done = true; /* the next vendor, or the class list */
				break;
			}
			if (line[0] == '#' || (n >= 2 && line[0] == '\t' && line[1] == '\t'))
				strbuf_add(out, "\n", 1);
			else
				strbuf_add(out, line, n);
		}
		if (eof)
			break;
		memmove(buf, buf + pos, len - pos);
		len -= pos;
	}
	if (in_block && out->len > 0 && out->s[out->len - 1] != '\n')
		strbuf_add(out, "\n", 1);
	return in_block;
}

/* Returns true and sets s->path when the subset could be made. */
static bool
ids_subset_make(const char *ids_path, struct ids_subset *s)
{
	_cleanup_free_ char *plain = NULL;
	_cleanup_fclose_ FILE *f = fopen(ids_path, "re");
	if (!f && errno == ENOENT && str_endswith(ids_path, ".gz")) {
		/* Like libpci: "pci.ids.gz" falls back to "pci.ids". */
		plain = xstrndup(ids_path, strlen(ids_path) - 3);
		f = fopen(plain, "re");
	}
	if (!f)
		return false;
	unsigned char magic[2];
	if (fread(magic, 1, 2, f) == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
		return false; /* gzip: libpci reads it whole */
	rewind(f);

	struct strbuf block = {0};
	bool found = ids_extract_nvidia(f, &block, s->version);
	int fd = memfd_create("pci.ids", MFD_CLOEXEC);
	bool ok = fd >= 0;
	if (ok) {
		s->fd = fd;
		snprintf(s->path, sizeof(s->path), "/proc/self/fd/%d", fd);
		ok = access(s->path, R_OK) == 0 &&
		     (!found || write_all(fd, block.s, block.len) == 0);
	}
	free(block.s);
	if (!ok) {
		ids_subset_release(s);
		return false;
	}
	s->source = plain ? TAKE_PTR(plain) : xstrdup(ids_path);
	return true;
}

/* ---- the scan ----------------------------------------------------------------------------- */

static int
function_cmp(const void *a, const void *b)
{
	const struct pci_function *x = a, *y = b;
	if (x->domain != y->domain)
		return x->domain < y->domain ? -1 : 1;
	if (x->bus != y->bus)
		return x->bus < y->bus ? -1 : 1;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->func < y->func ? -1 : x->func > y->func;
}

static void
function_release(struct pci_function *f)
{
	free(f->name);
	free(f->driver);
}

void
pci_scan_release(struct pci_scan *scan)
{
	if (!scan)
		return;
	for (size_t i = 0; i < scan->n_gpus; i++)
		function_release(&scan->gpus[i]);
	for (size_t i = 0; i < scan->n_nvidia_other; i++)
		function_release(&scan->nvidia_other[i]);
	free(scan->gpus);
	free(scan->nvidia_other);
	strv_free(scan->warnings);
	free(scan->ids_file);
	*scan = (struct pci_scan){0};
}

static bool
sysfs_entry_name_ok(const char *name)
{
	/* DDDD:BB:SS.F, as the kernel names them. */
	size_t n = strlen(name);
	if (n < 12)
		return false;
	size_t k = hex_run(name, n);
	return k >= 4 && k + 8 == n && name[k] == ':' && hex_run(name + k + 1, 2) == 2 &&
	       name[k + 3] == ':' && hex_run(name + k + 4, 2) == 2 && name[k + 6] == '.' &&
	       isdigit((unsigned char)name[k + 7]);
}

/* What libpci would stop on, checked first so the message can name the path. */
static int
sysfs_check(const char *devices, struct gp_error *err)
{
	DIR *d = opendir(devices);
	if (!d) {
		gp_error_set_errno(err, errno, "cannot read PCI devices from '%s'", devices);
		return gp_error_hint(err, "gpuprep reads the kernel's view of PCI in /sys; is /sys "
		                          "mounted (in a container, bind-mount the host's /sys)? "
		                          "Or pass --pci-dump with the output of 'lspci -x'");
	}
	struct dirent *e;
	int r = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (!sysfs_entry_name_ok(e->d_name)) {
			r = gp_error_set(err, "unexpected entry '%s' in '%s'", e->d_name, devices);
			gp_error_hint(err, "entries there are PCI addresses such as 0000:3b:00.0");
			break;
		}
	}
	closedir(d);
	return r;
}

struct scan_state {
	const struct pciso *lp;
	struct pci_access *pacc;
	const struct pci_scan_options *opts;
	const char *sysfs;
	struct pci_scan *scan;
	size_t cap_gpus, cap_other;
	bool names_ready;
	const char *ids_path; /* the pci.ids names come from, or NULL */
	char *node_ids;       /* the root's own pci.ids (under --root), or NULL */
	bool in_lookup;       /* libpci is reading it now */
	struct ids_subset ids;
};

/* Where distributions keep pci.ids: Debian/Ubuntu, then RHEL/Fedora/SUSE (hwdata), then others. */
static const char *const node_ids_paths[] = {
        "/usr/share/misc/pci.ids",    "/usr/share/hwdata/pci.ids", "/usr/share/pci.ids",
        "/usr/share/misc/pci.ids.gz", "/usr/share/pci.ids.gz",
};

/*
 * The root's pci.ids, as a path on this machine resolved inside the root (libpci takes a
 * path), or NULL when it has none.
 */
static char *
root_ids_file(const char *root)
{
	for (size_t i = 0; i < GP_ARRAY_SIZE(node_ids_paths); i++) {
		struct stat st;
		if (noderoot_stat(root, node_ids_paths[i], &st) == 0 && S_ISREG(st.st_mode))
			return noderoot_host_path(root, node_ids_paths[i]);
	}
	return NULL;
}

static int
pciids_cmp(const void *key, const void *elem)
{
	uint16_t k = *(const uint16_t *)key, e = ((const struct pciids_entry *)elem)->device;
	return k < e ? -1 : k > e;
}

const char *
pci_builtin_name(uint16_t vendor, uint16_t device)
{
	if (vendor != PCI_VENDOR_NVIDIA)
		return NULL;
	const struct pciids_entry *e = bsearch(&device, pciids_nvidia, pciids_nvidia_count,
	                                       sizeof(*pciids_nvidia), pciids_cmp);
	return e ? e->name : NULL;
}

const char *
pci_builtin_version(void)
{
	return pciids_nvidia_version;
}

const char *
pci_pick_name(const char *node_name, const char *node_version, const char *builtin_name)
{
	if (!node_name || !builtin_name)
		return node_name ? node_name : builtin_name;
	/* "YYYY.MM.DD" orders as text; "" (no version line) is older than any. */
	return strcmp(node_version ? node_version : "", pciids_nvidia_version) >= 0 ? node_name
	                                                                            : builtin_name;
}

/*
 * A device's name. With --pci-ids FILE: from FILE alone. Otherwise from the node's pci.ids
 * (libpci's default file and udev's hwdb on the running system; under --root only the
 * root's own file, at the usual paths) and the built-in NVIDIA block, by pci_pick_name().
 */
static char *
lookup_name(struct scan_state *st, uint16_t vendor, uint16_t device)
{
	bool under_root = gp_root_is_set(st->opts->root);
	if (!st->names_ready) {
		st->names_ready = true;
		const char *file = st->opts->ids_file;
		if (!file && under_root)
			file = st->node_ids = root_ids_file(st->opts->root);
		else if (!file)
			file = st->pacc->id_file_name;
		st->ids_path = file;
		if (file && ids_subset_make(file, &st->ids))
			st->lp->pci_set_name_list_path(st->pacc, st->ids.path, 0);
		else if (file && file != st->pacc->id_file_name)
			st->lp->pci_set_name_list_path(st->pacc, (char *)file, 0);
	}
	char buf[256];
	const char *name = NULL;
	/* Under a root without a pci.ids, libpci is not asked: it would read this machine's. */
	if (st->ids_path || !under_root) {
		int flags = PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS;
		if (st->opts->ids_file || under_root)
			flags |= PCI_LOOKUP_NO_HWDB;
		st->in_lookup = true;
		name = st->lp->pci_lookup_name(st->pacc, buf, sizeof(buf), flags, vendor, device);
		st->in_lookup = false;
		if (name && !*name)
			name = NULL;
	}
	if (!st->opts->ids_file)
		name = pci_pick_name(name, st->ids.version, pci_builtin_name(vendor, device));
	return xstrdup(name ? name : PCI_NAME_UNKNOWN);
}

bool
pci_function_named(const struct pci_function *f)
{
	return f->name && strcmp(f->name, PCI_NAME_UNKNOWN) != 0;
}

static void
add_function(struct pci_function **v, size_t *n, size_t *cap, const struct pci_function *f)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = *f;
}

/* Everything that may call libpci's error callback. */
static void
scan_run(struct scan_state *st)
{
	struct pci_access *a = st->pacc;
	struct pci_scan *scan = st->scan;

	st->lp->pci_init(a);
	st->lp->pci_scan_bus(a);
	for (struct pci_dev *d = a->devices; d; d = d->next) {
		scan->n_functions++;
		st->lp->pci_fill_info(d, PCI_FILL_IDENT);
		if (d->vendor_id != PCI_VENDOR_NVIDIA)
			continue;
		st->lp->pci_fill_info(d, PCI_FILL_CLASS | PCI_FILL_DRIVER);
		struct pci_function f = {
		        .domain = (unsigned)d->domain,
		        .bus = d->bus,
		        .dev = d->dev,
		        .func = d->func,
		        .vendor_id = d->vendor_id,
		        .device_id = d->device_id,
		        .class_id = d->device_class,
		};
		snprintf(f.address, sizeof(f.address), "%04x:%02x:%02x.%u", f.domain, f.bus, f.dev,
		         f.func);
		const char *drv = st->lp->pci_get_string_property(d, PCI_FILL_DRIVER);
		if (drv && *drv)
			f.driver = xstrdup(drv);
		if (!scan->from_dump) {
			_cleanup_free_ char *physfn =
			        xasprintf("%s/devices/%s/physfn", st->sysfs, f.address);
			f.virtual_function = path_exists(physfn);
		}
		f.name = lookup_name(st, f.vendor_id, f.device_id);
		if (pci_is_gpu(f.vendor_id, f.class_id))
			add_function(&scan->gpus, &scan->n_gpus, &st->cap_gpus, &f);
		else
			add_function(&scan->nvidia_other, &scan->n_nvidia_other, &st->cap_other,
			             &f);
	}
}

/* libpci's message about the pci.ids copy, told about the file it came from. */
static int
ids_error(const struct scan_state *st, struct gp_error *err)
{
	const char *path = st->ids.source ? st->ids.source
	                   : st->ids_path ? st->ids_path
	                                  : "pci.ids";
	char *at = st->ids.fd >= 0 ? strstr(pci_errmsg, st->ids.path) : NULL;
	if (at)
		gp_error_set(err, "reading PCI ID database: %.*s'%s'%s", (int)(at - pci_errmsg),
		             pci_errmsg, path, at + strlen(st->ids.path));
	else
		gp_error_set(err, "reading PCI ID database '%s': %s", path, pci_errmsg);
	if (st->opts->ids_file)
		return gp_error_hint(err,
		                     "fix the file given to --pci-ids, or leave the option out");
	return gp_error_hint(err, "repair the node's pci.ids (reinstall pciutils' ids: 'pci.ids' "
	                          "or 'hwdata'), or name another file with --pci-ids");
}

static void
scan_cleanup(struct scan_state *st)
{
	st->lp->pci_cleanup(st->pacc);
	st->pacc = NULL;
}

/* Run fn with libpci's error callback jumping back here; -1 when it did. */
static int
scan_protected(struct scan_state *st, void (*fn)(struct scan_state *st))
{
	jmp_buf jb;
	pci_jmp = &jb;
	if (setjmp(jb) != 0) {
		pci_jmp = NULL;
		return -1;
	}
	fn(st);
	pci_jmp = NULL;
	return 0;
}

static int
read_dump(const char *path, struct gp_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = read_file(path, &text, &len);
	if (r < 0)
		return gp_error_set_errno(err, r, "cannot read PCI dump '%s'", path);
	if (pci_dump_validate(text, len, err) < 0) {
		gp_error_prefix(err, "parsing PCI dump '%s'", path);
		return gp_error_hint(err, "a dump is the output of 'lspci -x' (or -xxx, -xxxx), "
		                          "copied unchanged");
	}
	return 0;
}

int
pci_scan_gpus(const struct pci_scan_options *opts, struct pci_scan *ret, struct gp_error *err)
{
	struct pci_scan scan = {.from_dump = opts->dump != NULL};
	_cleanup_free_ char *sysfs = NULL;
	_cleanup_free_ char *devices = NULL;

	if (opts->dump) {
		if (read_dump(opts->dump, err) < 0)
			return -1;
	} else {
		/* libpci takes a path: resolved inside the root, so a symlinked /sys stays in. */
		sysfs = noderoot_host_path(opts->root, "/sys/bus/pci");
		devices = xasprintf("%s/devices", sysfs);
		if (sysfs_check(devices, err) < 0)
			return -1;
	}
	if (opts->ids_file && access(opts->ids_file, R_OK) < 0)
		return gp_error_set_errno(err, errno, "cannot read PCI ID database '%s'",
		                          opts->ids_file);

	const struct pciso *lp = pciso_load(err);
	if (!lp)
		return -1;
	struct scan_state st = {
	        .lp = lp,
	        .opts = opts,
	        .sysfs = sysfs,
	        .scan = &scan,
	        .ids = {.fd = -1},
	};
	st.pacc = st.lp->pci_alloc();
	st.pacc->error = pci_on_error;
	st.pacc->warning = pci_on_warning;
	st.pacc->debug = pci_on_debug;
	st.pacc->id_lookup_mode = 0; /* no ~/.pciids-cache, no DNS */
	if (opts->dump) {
		st.pacc->method = PCI_ACCESS_DUMP;
		st.lp->pci_set_param(st.pacc, "dump.name", (char *)opts->dump);
	} else {
		st.pacc->method = PCI_ACCESS_SYS_BUS_PCI;
		st.lp->pci_set_param(st.pacc, "sysfs.path", sysfs);
	}

	pci_warnings = &scan.warnings;
	int r = 0;
	if (scan_protected(&st, scan_run) < 0) {
		if (st.in_lookup)
			r = ids_error(&st, err);
		else if (opts->dump)
			r = gp_error_set(err, "reading PCI dump '%s': %s", opts->dump, pci_errmsg);
		else
			r = gp_error_set(err, "reading PCI devices from '%s': %s", devices,
			                 pci_errmsg);
	}
	if (st.names_ready) {
		const char *f = st.ids.source ? st.ids.source : st.ids_path;
		scan.ids_file = f ? xstrdup(f) : NULL;
		memcpy(scan.ids_version, st.ids.version, sizeof(scan.ids_version));
		scan.ids_builtin = !opts->ids_file;
	}
	scan_protected(&st, scan_cleanup);
	pci_warnings = NULL;
	ids_subset_release(&st.ids);
	free(st.node_ids);
	if (r < 0) {
		pci_scan_release(&scan);
		return r;
	}
	if (scan.n_gpus > 1)
		qsort(scan.gpus, scan.n_gpus, sizeof(*scan.gpus), function_cmp);
	if (scan.n_nvidia_other > 1)
		qsort(scan.nvidia_other, scan.n_nvidia_other, sizeof(*scan.nvidia_other),
		      function_cmp);
	*ret = scan;
	return 0;
}
