// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "afterjoin_parse.h"
#include "tap.h"

static int
edgecore(const char *text, struct agent_config *c, struct gp_error *err)
{
	return agent_config_parse_edgecore(text, strlen(text), c, err);
}

/* The edgecore.yaml files keadm writes (tests/fixtures/edgecore, see its SOURCES). */
static void
test_edgecore_fixtures(void)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	struct agent_config c;

	if (tap_read_fixture("fixtures/edgecore/v1alpha2-kubeedge-1.22-install.yaml", &text,
	                     &len)) {
		is_int(agent_config_parse_edgecore(text, len, &c, &err), 0, "v1alpha2 parses");
		ok(!c.old_layout, "v1alpha2: the 1.12+ layout");
		is_str(c.api_version, "edgecore.config.kubeedge.io/v1alpha2",
		       "v1alpha2: apiVersion");
		is_str(c.cgroup_driver, "systemd", "v1alpha2: tailoredKubeletConfig.cgroupDriver");
		is_str(c.cgroup_driver_from, "modules.edged.tailoredKubeletConfig.cgroupDriver",
		       "v1alpha2: where the driver comes from");
		is_str(c.endpoint, "unix:///run/containerd/containerd.sock",
		       "v1alpha2: containerRuntimeEndpoint");
		is_int(c.device_plugins, -1, "v1alpha2: device plugins always on");
		agent_config_release(&c);
	}
	free(text);
	text = NULL;
	if (tap_read_fixture("fixtures/edgecore/v1alpha1-defaultconfig.yaml", &text, &len)) {
		is_int(agent_config_parse_edgecore(text, len, &c, &err), 0, "v1alpha1 parses");
		ok(c.old_layout, "v1alpha1: the old layout");
		is_str(c.cgroup_driver, "cgroupfs", "v1alpha1: modules.edged.cgroupDriver");
		is_str(c.runtime_type, "docker", "v1alpha1: runtimeType docker");
		is_str(c.endpoint, "unix:///var/run/docker.sock",
		       "v1alpha1 with runtimeType docker: dockerAddress is the endpoint");
		is_int(c.device_plugins, 0, "v1alpha1: devicePluginEnabled false");
		is_int(c.device_plugins_line, 17, "v1alpha1: devicePluginEnabled's line");
		agent_config_release(&c);
	}
	free(text);
	text = NULL;
	if (tap_read_fixture("fixtures/edgecore/v1alpha1-keadm-containerd.yaml", &text, &len)) {
		is_int(agent_config_parse_edgecore(text, len, &c, &err), 0, "keadm's containerd");
		is_str(c.endpoint, "unix:///var/run/containerd/containerd.sock",
		       "runtimeType remote: remoteRuntimeEndpoint");
		is_str(c.endpoint_from, "modules.edged.remoteRuntimeEndpoint", "and its key");
		is_int(c.device_plugins, 1, "devicePluginEnabled true");
		agent_config_release(&c);
	}
}

static void
test_edgecore_edges(void)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	struct agent_config c;

	is_int(edgecore("modules:\n  edged:\n    tailoredKubeletConfig: {}\n", &c, &err), 0,
	       "an empty tailoredKubeletConfig");
	is_str(c.cgroup_driver, "cgroupfs", "defaults: cgroupfs");
	is_str(c.cgroup_driver_from, "the default", "defaults: said so");
	is_str(c.endpoint, "unix:///run/containerd/containerd.sock", "defaults: containerd's");
	agent_config_release(&c);

	is_int(edgecore("modules:\n  edged:\n    enable: false\n    runtimeType: remote\n", &c,
	                &err),
	       0, "old layout, edged off");
	ok(c.edged_disabled, "enable: false is seen");
	is_str(c.endpoint, "unix:///var/run/dockershim.sock", "remote: the old default endpoint");
	is_int(c.device_plugins, 0, "devicePluginEnabled unset: false");
	is_int(c.device_plugins_line, 0, "and no line for it");
	agent_config_release(&c);

	is_int(edgecore("modules:\n  edged:\n    tailoredKubeletConfig:\n      cgroupDriver: "
	                "cgroups\n",
	                &c, &err),
	       -1, "an unknown cgroup driver");
	is_str(err.msg, "4:21: unknown cgroup driver 'cgroups'", "at its line:col");
	gp_error_release(&err);

	is_int(edgecore("modules:\n  edged:\n    cgroupDriver: [systemd]\n", &c, &err), -1,
	       "a driver that is a list");
	is_str(err.msg, "3:19: modules.edged.cgroupDriver must be a string", "says which key");
	gp_error_release(&err);

	is_int(edgecore("apiVersion: x\nkind: EdgeCore\n", &c, &err), -1, "no modules.edged");
	ok(err.msg && strstr(err.msg, "no modules.edged"), "says so (%s)", err.msg);
	gp_error_release(&err);

	is_int(edgecore("- a\n- b\n", &c, &err), -1, "a list, not a mapping");
	gp_error_release(&err);

	is_int(edgecore("modules:\n  edged: {}\n  edged: {}\n", &c, &err), -1, "edged twice");
	is_str(err.msg, "3:3: duplicate key 'edged'", "at the second");
}

static void
test_kubelet(void)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	struct agent_config c;
	const char *cfg = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
	                  "cgroupDriver: systemd\ncontainerRuntimeEndpoint: \"\"\n";
	is_int(agent_config_parse_kubelet(cfg, strlen(cfg), NULL, &c, &err), 0, "kubelet config");
	is_str(c.cgroup_driver, "systemd", "kubelet: cgroupDriver");
	is_str(c.endpoint, "unix:///run/containerd/containerd.sock",
	       "kubelet: containerRuntimeEndpoint \"\" is the default");
	is_str(c.endpoint_from, "the default", "kubelet: said so");
	agent_config_release(&c);

	const char *flags = "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///var/run/"
	                    "crio/crio.sock --cgroup-driver systemd\"\n";
	is_int(agent_config_parse_kubelet(NULL, 0, flags, &c, &err), 0, "flags, no config file");
	is_str(c.endpoint, "unix:///var/run/crio/crio.sock", "the endpoint flag");
	is_str(c.cgroup_driver, "systemd", "--cgroup-driver VALUE");
	is_str(c.cgroup_driver_from, "the --cgroup-driver flag", "said so");
	agent_config_release(&c);

	is_int(agent_config_parse_kubelet(NULL, 0, "--cgroup-driver=cgroup", &c, &err), -1,
	       "an unknown --cgroup-driver (found by fuzz-afterjoin)");
	is_str(err.msg, "kubelet's --cgroup-driver=cgroup: unknown cgroup driver", "names it");
	gp_error_release(&err);

	is_int(agent_config_parse_kubelet(NULL, 0, "--xcgroup-driver=systemd", &c, &err), 0,
	       "a flag's name inside another's");
	is_str(c.cgroup_driver, "cgroupfs", "is not taken");
	agent_config_release(&c);
}

static int
sharing(const char *text, struct dp_sharing *s, struct gp_error *err)
{
	return dp_sharing_parse(text, strlen(text), s, err);
}

static void
test_sharing(void)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	struct dp_sharing s;

	is_int(sharing("version: v1\nsharing:\n  timeSlicing:\n    renameByDefault: true\n"
	               "    resources:\n    - name: nvidia.com/gpu\n      replicas: 2\n"
	               "    - name: nvidia.com/mig-1g.5gb\n      rename: mig-small\n"
	               "      replicas: 3\n      devices: [0, 1]\n",
	               &s, &err),
	       0, "time-slicing with renames");
	is_int(s.n, 2, "two resources");
	is_str(s.from, "sharing.timeSlicing", "from timeSlicing");
	const struct dp_share *g = dp_sharing_find(&s, "nvidia.com/gpu");
	ok(g && g->replicas == 2 && !g->some_devices, "nvidia.com/gpu x 2, every GPU");
	is_str(g ? g->advertised : NULL, "nvidia.com/gpu.shared", "renameByDefault: .shared");
	const struct dp_share *m = dp_sharing_find(&s, "nvidia.com/mig-1g.5gb");
	is_str(m ? m->advertised : NULL, "mig-small", "rename wins");
	ok(m && m->some_devices, "devices: some GPUs only");
	dp_sharing_release(&s);

	is_int(sharing("version: v1\nsharing:\n  mps:\n    resources:\n    - name: nvidia.com/gpu\n"
	               "      replicas: 10\n",
	               &s, &err),
	       0, "MPS");
	is_str(s.from, "sharing.mps", "from mps");
	dp_sharing_release(&s);

	is_int(sharing("version: v1\nflags:\n  migStrategy: none\n", &s, &err), 0, "no sharing");
	is_int(s.n, 0, "no shares");
	dp_sharing_release(&s);

	is_int(sharing("apiVersion: v1\nkind: ConfigMap\ndata:\n  a: |\n    version: v1\n"
	               "  b: |\n    version: v1\n",
	               &s, &err),
	       -1, "a ConfigMap with two configs");
	is_str(err.msg, "4:3: the ConfigMap holds 2 configs (a, b)", "names them");
	gp_error_release(&err);

	is_int(sharing("version: v1\nsharing:\n  timeSlicing:\n    resources:\n"
	               "    - name: nvidia.com/gpu\n      replicas: 0\n",
	               &s, &err),
	       -1, "replicas 0");
	is_str(err.msg,
	       "6:17: sharing.timeSlicing.resources[0].replicas must be a whole number >= 1, not 0",
	       "at its line:col");
	gp_error_release(&err);

	is_int(sharing("kind: DaemonSet\n", &s, &err), -1, "not a device plugin config");
	gp_error_release(&err);
}

static int
checkpoint(const char *text, struct dp_checkpoint *c, struct gp_error *err)
{
	return dp_checkpoint_parse(text, strlen(text), c, err);
}

static void
test_checkpoint(void)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	struct dp_checkpoint c;
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	if (tap_read_fixture("fixtures/nodes/after-join/var/lib/kubelet/device-plugins/"
	                     "kubelet_internal_checkpoint",
	                     &text, &len)) {
		is_int(dp_checkpoint_parse(text, len, &c, &err), 0,
		       "kubelet 1.20+'s shape, a uint64 Checksum past INT64_MAX");
		const struct dp_resource *r = dp_checkpoint_find(&c, "nvidia.com/gpu");
		ok(r && r->n_ids == 1, "nvidia.com/gpu with one device");
		dp_checkpoint_release(&c);
	}
	/* Before 1.20, DeviceIDs was a plain list; RegisteredDevices is the same. */
	is_int(checkpoint(
	               "{\"Data\":{\"PodDeviceEntries\":[{\"PodUID\":\"u\",\"ContainerName\":"
	               "\"c\",\"ResourceName\":\"nvidia.com/gpu\",\"DeviceIDs\":[\"GPU-a\"],"
	               "\"AllocResp\":\"\"}],\"RegisteredDevices\":{\"nvidia.com/gpu\":[\"GPU-a\","
	               "\"GPU-b\"]}},\"Checksum\":42}",
	               &c, &err),
	       0, "kubelet < 1.20's shape");
	const struct dp_resource *r = dp_checkpoint_find(&c, "nvidia.com/gpu");
	ok(r && r->n_ids == 2, "two devices");
	dp_checkpoint_release(&c);

	is_int(checkpoint("{\"Data\":{\"PodDeviceEntries\":null,\"RegisteredDevices\":null},"
	                  "\"Checksum\":0}",
	                  &c, &err),
	       0, "nothing registered");
	is_int(c.n, 0, "no resources");
	dp_checkpoint_release(&c);

	is_int(checkpoint("{\"Checksum\":0}", &c, &err), -1, "no Data");
	gp_error_release(&err);
	is_int(checkpoint("{\"Data\":{\"RegisteredDevices\":{\"x\":\"GPU-a\"}}}", &c, &err), -1,
	       "ids that are no list");
	gp_error_release(&err);
	is_int(checkpoint("{\"Data\":", &c, &err), -1, "cut short");
	ok(err.msg && str_startswith(err.msg, "1:"), "with line:col (%s)", err.msg);
}

static void
test_physical(void)
{
	char *ids[] = {"GPU-a::0", "GPU-a::1", "GPU-b::0", "GPU-b::1", "GPU-c"};
	is_int(dp_physical_count(ids, 5), 3, "replicas of the same GPU count once");
	is_int(dp_physical_count(ids, 0), 0, "none");
}

int
main(void)
{
	test_edgecore_fixtures();
	test_edgecore_edges();
	test_kubelet();
	test_sharing();
	test_checkpoint();
	test_physical();
	return tap_done();
}
