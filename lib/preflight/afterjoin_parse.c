// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The files afterjoin reads: edgecore.yaml, kubelet's config.yaml, the NVIDIA device plugin's
 * config and kubelet's device manager checkpoint. See afterjoin_parse.h.
 *
 * The YAML is read with libyaml (yamltree.h): edgecore.yaml nests five levels deep, takes
 * flow and block styles, quotes, anchors; a line-based reader would misread a real one.
 */
#include "afterjoin_parse.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rows.h"
#include "util.h"
#include "yamltree.h"

/* edgecore's defaults: KubeEdge's common/constants and componentconfig/edgecore defaults. */
#define EDGECORE_DEFAULT_CGROUP_DRIVER    "cgroupfs"
#define EDGECORE_DEFAULT_ENDPOINT         "unix:///run/containerd/containerd.sock"
#define EDGECORE_OLD_DEFAULT_ENDPOINT     "unix:///var/run/dockershim.sock"
#define EDGECORE_OLD_DEFAULT_DOCKER       "unix:///var/run/docker.sock"
#define EDGECORE_OLD_DEFAULT_RUNTIME_TYPE "docker"
/* kubelet's defaults (KubeletConfiguration v1beta1). */
#define KUBELET_DEFAULT_CGROUP_DRIVER "cgroupfs"
#define KUBELET_DEFAULT_ENDPOINT      "unix:///run/containerd/containerd.sock"

void
agent_config_release(struct agent_config *c)
{
	if (!c)
		return;
	free(c->api_version);
	free(c->cgroup_driver);
	free(c->cgroup_driver_from);
	free(c->endpoint);
	free(c->endpoint_from);
	free(c->runtime_type);
	*c = (struct agent_config){0};
}

static int node_error(const struct yaml_tree *t, yaml_node_id n, struct gp_error *err,
                      const char *fmt, ...) _printf_(4, 5);

static int
node_error(const struct yaml_tree *t, yaml_node_id n, struct gp_error *err, const char *fmt, ...)
{
	size_t line, col;
	yaml_tree_mark(t, n, &line, &col);
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	return gp_error_set(err, "%zu:%zu: %s", line, col, msg);
}

/*
 * The string at key in mapping m: 1 with *ret (fresh), 0 when unset (missing
 * or null), -1 when it is not a string.
 */
static int
get_string(const struct yaml_tree *t, yaml_node_id m, const char *key, const char *where,
           char **ret, struct gp_error *err)
{
	yaml_node_id n = yaml_tree_get(t, m, key, err);
	if (n < 0)
		return -1;
	if (n == 0)
		return 0;
	bool plain = false;
	const char *s = yaml_tree_scalar(t, n, &plain);
	/* Unset, null or "" (kubeadm writes containerRuntimeEndpoint: ""): the default. */
	if (s && (*s == '\0' || (plain && (strcmp(s, "~") == 0 || strcmp(s, "null") == 0))))
		return 0;
	if (!s) {
		node_error(t, n, err, "%s%s must be a string", where, key);
		return gp_error_hint(err, "write it as %s: VALUE", key);
	}
	*ret = xstrdup(s);
	return 1;
}

/* A boolean at key: 1 with *ret, 0 when unset, -1 when it is no boolean. */
static int
get_bool(const struct yaml_tree *t, yaml_node_id m, const char *key, const char *where, bool *ret,
         size_t *ret_line, size_t *ret_col, struct gp_error *err)
{
	yaml_node_id n = yaml_tree_get(t, m, key, err);
	if (n < 0)
		return -1;
	if (n == 0)
		return 0;
	if (yaml_tree_bool(t, n, ret) != 1) {
		const char *s = yaml_tree_scalar(t, n, NULL);
		node_error(t, n, err, "%s%s must be true or false, not '%s'", where, key,
		           s ? s : "a collection");
		return gp_error_hint(err, "write it unquoted: %s: true", key);
	}
	yaml_tree_mark(t, n, ret_line, ret_col);
	return 1;
}

/* A mapping at the path, 0 when missing; -1 when something else is there. */
static yaml_node_id
get_mapping(const struct yaml_tree *t, yaml_node_id m, const char *key, const char *where,
            struct gp_error *err)
{
	yaml_node_id n = yaml_tree_get(t, m, key, err);
	if (n <= 0)
		return n;
	if (yaml_tree_kind(t, n) != YAML_TREE_MAPPING) {
		bool plain = false;
		const char *s = yaml_tree_scalar(t, n, &plain);
		if (s && plain && (strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || !*s))
			return 0;
		node_error(t, n, err, "%s%s must be a mapping of keys", where, key);
		return gp_error_hint(err, "indent its keys under %s:", key);
	}
	return n;
}

static int
check_driver(const struct yaml_tree *t, yaml_node_id m, const char *key, const char *driver,
             struct gp_error *err)
{
	if (strcmp(driver, "systemd") == 0 || strcmp(driver, "cgroupfs") == 0)
		return 0;
	node_error(t, yaml_tree_get(t, m, key, err), err, "unknown cgroup driver '%s'", driver);
	return gp_error_hint(err, "%s takes systemd or cgroupfs", key);
}

static int
load(const char *text, size_t len, struct yaml_tree **ret, yaml_node_id *ret_root,
     struct gp_error *err)
{
	if (yaml_tree_parse(text, len, ret, err) < 0)
		return -1;
	*ret_root = yaml_tree_root(*ret);
	if (*ret_root && yaml_tree_kind(*ret, *ret_root) != YAML_TREE_MAPPING) {
		node_error(*ret, *ret_root, err, "the document is not a mapping of keys");
		return gp_error_hint(err, "the file starts with apiVersion: and kind: keys");
	}
	return 0;
}

int
agent_config_parse_edgecore(const char *text, size_t len, struct agent_config *ret,
                            struct gp_error *err)
{
	_cleanup_(yaml_tree_freep) struct yaml_tree *t = NULL;
	yaml_node_id root;
	struct agent_config c = {.device_plugins = -1};
	if (load(text, len, &t, &root, err) < 0)
		return -1;
	if (get_string(t, root, "apiVersion", "", &c.api_version, err) < 0)
		goto fail;
	yaml_node_id modules = get_mapping(t, root, "modules", "", err);
	if (modules < 0)
		goto fail;
	yaml_node_id edged = modules ? get_mapping(t, modules, "edged", "modules.", err) : 0;
	if (edged < 0)
		goto fail;
	if (!edged) {
		gp_error_set(err,
		             "1:1: no modules.edged: edgecore has no edged module to run pods");
		gp_error_hint(err, "this is not an edgecore config keadm wrote; rerun keadm join");
		goto fail;
	}
	bool enabled = true;
	size_t l, col;
	if (get_bool(t, edged, "enable", "modules.edged.", &enabled, &l, &col, err) < 0)
		goto fail;
	c.edged_disabled = !enabled;

	yaml_node_id tk = get_mapping(t, edged, "tailoredKubeletConfig", "modules.edged.", err);
	if (tk < 0)
		goto fail;
	int r;
	if (tk) {
		const char *at = "modules.edged.tailoredKubeletConfig.";
		r = get_string(t, tk, "cgroupDriver", at, &c.cgroup_driver, err);
		if (r < 0 ||
		    (r > 0 && check_driver(t, tk, "cgroupDriver", c.cgroup_driver, err) < 0))
			goto fail;
		c.cgroup_driver_from = xstrdup(
		        r ? "modules.edged.tailoredKubeletConfig.cgroupDriver" : "the default");
		r = get_string(t, tk, "containerRuntimeEndpoint", at, &c.endpoint, err);
		if (r < 0)
			goto fail;
		c.endpoint_from =
		        xstrdup(r ? "modules.edged.tailoredKubeletConfig.containerRuntimeEndpoint"
		                  : "the default");
		if (!r)
			c.endpoint = xstrdup(EDGECORE_DEFAULT_ENDPOINT);
	} else {
		const char *at = "modules.edged.";
		c.old_layout = true;
		r = get_string(t, edged, "cgroupDriver", at, &c.cgroup_driver, err);
		if (r < 0 ||
		    (r > 0 && check_driver(t, edged, "cgroupDriver", c.cgroup_driver, err) < 0))
			goto fail;
		c.cgroup_driver_from = xstrdup(r ? "modules.edged.cgroupDriver" : "the default");
		r = get_string(t, edged, "runtimeType", at, &c.runtime_type, err);
		if (r < 0)
			goto fail;
		if (!r)
			c.runtime_type = xstrdup(EDGECORE_OLD_DEFAULT_RUNTIME_TYPE);
		/* runtimeType docker: edged's own dockershim talks to dockerd at dockerAddress. */
		const char *key = strcmp(c.runtime_type, "docker") == 0 ? "dockerAddress"
		                                                        : "remoteRuntimeEndpoint";
		r = get_string(t, edged, key, at, &c.endpoint, err);
		if (r < 0)
			goto fail;
		c.endpoint_from = r ? xasprintf("modules.edged.%s", key) : xstrdup("the default");
		if (!r)
			c.endpoint = xstrdup(strcmp(key, "dockerAddress") == 0
			                             ? EDGECORE_OLD_DEFAULT_DOCKER
			                             : EDGECORE_OLD_DEFAULT_ENDPOINT);
		bool dp = false;
		r = get_bool(t, edged, "devicePluginEnabled", at, &dp, &c.device_plugins_line,
		             &c.device_plugins_col, err);
		if (r < 0)
			goto fail;
		c.device_plugins = r > 0 && dp;
	}
	if (!c.cgroup_driver)
		c.cgroup_driver = xstrdup(EDGECORE_DEFAULT_CGROUP_DRIVER);
	*ret = c;
	return 0;
fail:
	agent_config_release(&c);
	return -1;
}

/* The value of --name=VALUE or --name VALUE in flags (quotes around it dropped), or NULL. */
static char *
flag_value(const char *flags, const char *name)
{
	if (!flags)
		return NULL;
	_cleanup_free_ char *pat = xasprintf("--%s", name);
	size_t n = strlen(pat);
	for (const char *p = strstr(flags, pat); p; p = strstr(p + 1, pat)) {
		if (p != flags && !strchr(" \t\n\"'", p[-1]))
			continue;
		const char *v = p + n;
		if (*v != '=' && *v != ' ')
			continue;
		v += strspn(v, "= ");
		size_t len = strcspn(v, " \t\n\"'");
		if (len)
			return xstrndup(v, len);
	}
	return NULL;
}

int
agent_config_parse_kubelet(const char *text, size_t len, const char *flags,
                           struct agent_config *ret, struct gp_error *err)
{
	_cleanup_(yaml_tree_freep) struct yaml_tree *t = NULL;
	yaml_node_id root = 0;
	struct agent_config c = {.device_plugins = -1};
	if (text && load(text, len, &t, &root, err) < 0)
		return -1;
	if (t && get_string(t, root, "apiVersion", "", &c.api_version, err) < 0)
		goto fail;
	c.cgroup_driver = flag_value(flags, "cgroup-driver");
	if (c.cgroup_driver && strcmp(c.cgroup_driver, "systemd") != 0 &&
	    strcmp(c.cgroup_driver, "cgroupfs") != 0) {
		gp_error_set(err, "kubelet's --cgroup-driver=%s: unknown cgroup driver",
		             c.cgroup_driver);
		gp_error_hint(err, "--cgroup-driver takes systemd or cgroupfs");
		goto fail;
	}
	if (c.cgroup_driver) {
		c.cgroup_driver_from = xstrdup("the --cgroup-driver flag");
	} else if (t) {
		int r = get_string(t, root, "cgroupDriver", "", &c.cgroup_driver, err);
		if (r < 0 ||
		    (r > 0 && check_driver(t, root, "cgroupDriver", c.cgroup_driver, err) < 0))
			goto fail;
		if (r)
			c.cgroup_driver_from = xstrdup("cgroupDriver");
	}
	if (!c.cgroup_driver) {
		c.cgroup_driver = xstrdup(KUBELET_DEFAULT_CGROUP_DRIVER);
		c.cgroup_driver_from = xstrdup("the default");
	}
	c.endpoint = flag_value(flags, "container-runtime-endpoint");
	if (c.endpoint) {
		c.endpoint_from = xstrdup("the --container-runtime-endpoint flag");
	} else if (t) {
		int r = get_string(t, root, "containerRuntimeEndpoint", "", &c.endpoint, err);
		if (r < 0)
			goto fail;
		if (r)
			c.endpoint_from = xstrdup("containerRuntimeEndpoint");
	}
	if (!c.endpoint) {
		c.endpoint = xstrdup(KUBELET_DEFAULT_ENDPOINT);
		c.endpoint_from = xstrdup("the default");
	}
	*ret = c;
	return 0;
fail:
	agent_config_release(&c);
	return -1;
}

void
dp_sharing_release(struct dp_sharing *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->shares[i].name);
		free(s->shares[i].advertised);
	}
	free(s->shares);
	free(s->from);
	*s = (struct dp_sharing){0};
}

const struct dp_share *
dp_sharing_find(const struct dp_sharing *s, const char *name)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (strcmp(s->shares[i].name, name) == 0)
			return &s->shares[i];
	return NULL;
}

/* sharing.timeSlicing or sharing.mps: {renameByDefault, resources: [{name, replicas, ...}]}. */
static int
parse_sharing(const struct yaml_tree *t, yaml_node_id sh, const char *where, struct dp_sharing *s,
              struct gp_error *err)
{
	_cleanup_free_ char *at = xasprintf("%s.", where);
	bool by_default = false;
	size_t l, c;
	if (get_bool(t, sh, "renameByDefault", at, &by_default, &l, &c, err) < 0)
		return -1;
	yaml_node_id res = yaml_tree_get(t, sh, "resources", err);
	if (res < 0)
		return -1;
	if (res == 0 || yaml_tree_kind(t, res) != YAML_TREE_SEQUENCE) {
		node_error(t, res ? res : sh, err, "%s.resources must be a list", where);
		return gp_error_hint(err, "list each resource as - name: nvidia.com/gpu, then "
		                          "replicas: N");
	}
	s->from = xstrdup(where);
	for (size_t i = 0; i < yaml_tree_len(t, res); i++) {
		yaml_node_id item = yaml_tree_item(t, res, i);
		_cleanup_free_ char *iat = xasprintf("%s.resources[%zu].", where, i);
		_cleanup_free_ char *name = NULL, *rename = NULL;
		if (yaml_tree_kind(t, item) != YAML_TREE_MAPPING) {
			node_error(t, item, err, "%s.resources[%zu] must be a mapping", where, i);
			return gp_error_hint(err, "write it as - name: nvidia.com/gpu");
		}
		int r = get_string(t, item, "name", iat, &name, err);
		if (r < 0)
			return -1;
		if (r == 0) {
			node_error(t, item, err, "%s.resources[%zu] has no name", where, i);
			return gp_error_hint(err, "name the resource: name: nvidia.com/gpu");
		}
		if (get_string(t, item, "rename", iat, &rename, err) < 0)
			return -1;
		yaml_node_id rep = yaml_tree_get(t, item, "replicas", err);
		if (rep < 0)
			return -1;
		const char *rs = yaml_tree_scalar(t, rep, NULL);
		char *end = NULL;
		long replicas = rs ? strtol(rs, &end, 10) : 0;
		if (!rs || !*rs || *end || replicas < 1 || replicas > 1000000) {
			node_error(t, rep ? rep : item, err,
			           "%sreplicas must be a whole number >= 1%s%s", iat,
			           rs ? ", not " : "", rs ? rs : "");
			return gp_error_hint(err,
			                     "set replicas: to how many pods may share one GPU");
		}
		yaml_node_id dev = yaml_tree_get(t, item, "devices", err);
		if (dev < 0)
			return -1;
		const char *ds = yaml_tree_scalar(t, dev, NULL);
		s->shares = xrealloc(s->shares, (s->n + 1) * sizeof(*s->shares));
		struct dp_share *sh_out = &s->shares[s->n++];
		sh_out->advertised = rename       ? xstrdup(rename)
		                     : by_default ? xasprintf("%s.shared", name)
		                                  : xstrdup(name);
		sh_out->name = TAKE_PTR(name);
		sh_out->replicas = replicas;
		sh_out->some_devices = dev > 0 && !(ds && strcmp(ds, "all") == 0);
	}
	return 0;
}

static int
parse_plugin_config(const struct yaml_tree *t, yaml_node_id root, struct dp_sharing *ret,
                    struct gp_error *err)
{
	yaml_node_id sharing = get_mapping(t, root, "sharing", "", err);
	if (sharing < 0)
		return -1;
	static const struct {
		const char *key, *where;
	} kinds[] = {{"timeSlicing", "sharing.timeSlicing"}, {"mps", "sharing.mps"}};
	for (size_t i = 0; sharing && i < GP_ARRAY_SIZE(kinds); i++) {
		yaml_node_id sh = get_mapping(t, sharing, kinds[i].key, "sharing.", err);
		if (sh < 0)
			return -1;
		if (sh && yaml_tree_len(t, sh))
			return parse_sharing(t, sh, kinds[i].where, ret, err);
	}
	return 0;
}

/*
 * An error at "L:C:" in a ConfigMap's block of text (its "|" on line start),
 * moved to where it is in the file: line start + L, and C past the block's
 * indentation.
 */
static void
inner_error(const char *text, size_t len, size_t start, struct gp_error *err)
{
	unsigned long l, c;
	int used = 0;
	if (!err->msg || sscanf(err->msg, "%lu:%lu: %n", &l, &c, &used) != 2 || !used)
		return;
	/* The block's indentation: its first line's. */
	size_t want = start + l, at = 1, i = 0;
	while (i < len && at < start + 1)
		if (text[i++] == '\n')
			at++;
	size_t indent = 0;
	while (i + indent < len && text[i + indent] == ' ')
		indent++;
	char *msg = xasprintf("%zu:%zu: %s", want, indent + c, err->msg + used);
	free(err->msg);
	err->msg = msg;
}

static int sharing_doc(const struct yaml_tree *t, const char *text, size_t len,
                       struct dp_sharing *ret, struct gp_error *err);

/* The document's kind: is it a ConfigMap? */
static bool
is_configmap(const struct yaml_tree *t)
{
	_cleanup_error_ struct gp_error e = GP_ERROR_INIT;
	yaml_node_id k = yaml_tree_get(t, yaml_tree_root(t), "kind", &e);
	const char *s = k > 0 ? yaml_tree_scalar(t, k, NULL) : NULL;
	return s && strcmp(s, "ConfigMap") == 0;
}

int
dp_sharing_parse(const char *text, size_t len, struct dp_sharing *ret, struct gp_error *err)
{
	struct yaml_tree **docs = NULL;
	*ret = (struct dp_sharing){0};
	if (yaml_tree_parse_all(text, len, &docs, err) < 0)
		return -1;
	/* A manifest stream (gpuprep manifest device-plugin --time-slicing N): its ConfigMap. */
	const struct yaml_tree *pick = docs[0];
	size_t n = 0, maps = 0;
	for (; docs[n]; n++)
		if (is_configmap(docs[n]) && !maps++)
			pick = docs[n];
	int r;
	if (n > 1 && maps != 1) {
		gp_error_set(err, "%zu YAML documents, %zu of them a ConfigMap", n, maps);
		r = gp_error_hint(err, "pass the device plugin's ConfigMap, or the manifest that "
		                       "holds it with its DaemonSet");
	} else if (!pick) {
		gp_error_set(err, "1:1: empty: not a device plugin config");
		r = gp_error_hint(err, "pass the device plugin's config file (version: v1, "
		                       "sharing: ...) or its ConfigMap");
	} else {
		r = sharing_doc(pick, text, len, ret, err);
	}
	for (size_t i = 0; i < n; i++)
		yaml_tree_free(docs[i]);
	free(docs);
	return r;
}

static int
sharing_doc(const struct yaml_tree *t, const char *text, size_t len, struct dp_sharing *ret,
            struct gp_error *err)
{
	yaml_node_id root = yaml_tree_root(t);
	if (yaml_tree_kind(t, root) != YAML_TREE_MAPPING) {
		node_error(t, root, err, "the document is not a mapping of keys");
		return gp_error_hint(err, "pass the device plugin's config file (version: v1, "
		                          "sharing: ...) or its ConfigMap");
	}
	_cleanup_free_ char *kind = NULL;
	if (get_string(t, root, "kind", "", &kind, err) < 0)
		return -1;
	if (!kind || strcmp(kind, "ConfigMap") != 0) {
		if (kind || !yaml_tree_get(t, root, "version", err)) {
			node_error(t, root, err, "not a device plugin config: no version: key%s%s",
			           kind ? ", and kind is " : "", kind ? kind : "");
			return gp_error_hint(err,
			                     "pass the device plugin's config file (version: v1, "
			                     "sharing: ...) or its ConfigMap");
		}
		if (parse_plugin_config(t, root, ret, err) < 0) {
			dp_sharing_release(ret);
			return -1;
		}
		return 0;
	}
	/* A ConfigMap: data holds the config file under one key. */
	yaml_node_id data = get_mapping(t, root, "data", "", err);
	if (data < 0)
		return -1;
	size_t n = yaml_tree_len(t, data);
	if (n != 1) {
		_cleanup_free_ char *keys = NULL;
		for (size_t i = 0; i < n; i++) {
			yaml_node_id k = 0;
			yaml_tree_pair(t, data, i, &k);
			const char *s = yaml_tree_scalar(t, k, NULL);
			char *nk = xasprintf("%s%s%s", keys ? keys : "", keys ? ", " : "",
			                     s ? s : "?");
			free(keys);
			keys = nk;
		}
		node_error(t, data ? data : root, err, "the ConfigMap holds %zu configs%s%s%s", n,
		           keys ? " (" : "", keys ? keys : "", keys ? ")" : "");
		return gp_error_hint(err,
		                     n ? "save the one this node uses (its nvidia.com/device-"
		                         "plugin.config label names it) to a file and pass that"
		                       : "pass the ConfigMap that holds the device plugin's "
		                         "config under data:");
	}
	yaml_node_id key = 0;
	yaml_node_id val = yaml_tree_pair(t, data, 0, &key);
	const char *inner = yaml_tree_scalar(t, val, NULL);
	if (!inner) {
		node_error(t, val, err, "data.%s must be the config file's text",
		           yaml_tree_scalar(t, key, NULL));
		return gp_error_hint(err, "write it as a block: %s: |",
		                     yaml_tree_scalar(t, key, NULL));
	}
	size_t line, col;
	yaml_tree_mark(t, val, &line, &col);
	if (dp_sharing_parse(inner, strlen(inner), ret, err) < 0) {
		inner_error(text, len, line, err);
		return gp_error_prefix(err, "data.%s", yaml_tree_scalar(t, key, NULL));
	}
	return 0;
}

void
dp_checkpoint_release(struct dp_checkpoint *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->resources[i].name);
		for (size_t j = 0; j < c->resources[i].n_ids; j++)
			free(c->resources[i].ids[j]);
		free(c->resources[i].ids);
	}
	free(c->resources);
	*c = (struct dp_checkpoint){0};
}

const struct dp_resource *
dp_checkpoint_find(const struct dp_checkpoint *c, const char *name)
{
	for (size_t i = 0; c && i < c->n; i++)
		if (strcmp(c->resources[i].name, name) == 0)
			return &c->resources[i];
	return NULL;
}

int
dp_checkpoint_parse(const char *text, size_t len, struct dp_checkpoint *ret, struct gp_error *err)
{
	json_error_t je;
	*ret = (struct dp_checkpoint){0};
	/* Checksum is a uint64: past INT64_MAX jansson takes it only as a real. */
	_cleanup_json_ json_t *doc = json_loadb(text, len, JSON_DECODE_INT_AS_REAL, &je);
	if (!doc) {
		gp_error_set(err, "%d:%d: %s", je.line, je.column, je.text);
		return gp_error_hint(err, "kubelet rewrites it: restart edgecore (or kubelet) to "
		                          "have it written again");
	}
	json_t *data = json_object_get(doc, "Data");
	if (!json_is_object(data)) {
		gp_error_set(err, "no Data object: not a device manager checkpoint");
		return gp_error_hint(err, "restart edgecore (or kubelet) to have it written again");
	}
	json_t *reg = json_object_get(data, "RegisteredDevices");
	if (json_is_null(reg) || !reg)
		return 0;
	if (!json_is_object(reg)) {
		gp_error_set(err, "Data.RegisteredDevices is not an object");
		return gp_error_hint(err, "restart edgecore (or kubelet) to have it written again");
	}
	const char *name;
	json_t *ids;
	json_object_foreach (reg, name, ids) {
		ret->resources = xrealloc(ret->resources, (ret->n + 1) * sizeof(*ret->resources));
		struct dp_resource *res = &ret->resources[ret->n++];
		*res = (struct dp_resource){.name = xstrdup(name)};
		if (json_is_null(ids))
			continue;
		if (!json_is_array(ids)) {
			gp_error_set(err, "Data.RegisteredDevices.%s is not a list of device ids",
			             name);
			gp_error_hint(err,
			              "restart edgecore (or kubelet) to have it written again");
			dp_checkpoint_release(ret);
			return -1;
		}
		size_t i;
		json_t *id;
		res->ids = xcalloc(json_array_size(ids) + 1, sizeof(*res->ids));
		json_array_foreach (ids, i, id)
			if (json_is_string(id))
				res->ids[res->n_ids++] = xstrdup(json_string_value(id));
	}
	return 0;
}

size_t
dp_physical_count(char *const *ids, size_t n)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++) {
		const char *sep = strstr(ids[i], "::");
		size_t len = sep ? (size_t)(sep - ids[i]) : strlen(ids[i]);
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++) {
			const char *s2 = strstr(ids[j], "::");
			size_t l2 = s2 ? (size_t)(s2 - ids[j]) : strlen(ids[j]);
			seen = l2 == len && memcmp(ids[i], ids[j], len) == 0;
		}
		count += !seen;
	}
	return count;
}
