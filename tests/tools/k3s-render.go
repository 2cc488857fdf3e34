// SPDX-License-Identifier: GPL-2.0-or-later
//
// k3s-render: render a k3s containerd config template the way k3s does, for the tests.
//
// k3s parses the user's template (config.toml.tmpl or config-v3.toml.tmpl) with Go's
// text/template, adds its own template under the name "base", and executes it with its
// ContainerdConfig (pkg/agent/templates). This program does the same with a stand-in
// for that structure holding the fields the base templates read, filled from flags.
// The base template text is test data (tests/fixtures/k3s-templates, see SOURCES).
//
//	k3s-render -base BASE [-user USER] [-dir DIR] [-default-runtime NAME]
//	           [-runtime NAME=PATH]... [-systemd-cgroup] [-trim]
//
// Without -user the base template is rendered alone, as k3s does with no user template.
// -dir puts containerd's root, state, address, opt and registry paths under DIR.
// -trim drops empty lines as k3s 1.31 and later do (trimEmpty).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"
)

type containerd struct {
	Address, Opt, Root, State, Registry, Template, Config string
	BlockIOConfig, RDTConfig                              string
}

type agent struct {
	PauseImage, Snapshotter, CNIBinDir, CNIConfDir, ImageServiceSocket string
}

type node struct {
	Containerd     containerd
	AgentConfig    agent
	SELinux        bool
	NoFlannel      bool
	DefaultRuntime string
}

type runtimeConfig struct {
	RuntimeType string
	BinaryName  string
}

type registry struct {
	Mirrors map[string]interface{}
	Configs map[string]interface{}
}

type config struct {
	NodeConfig            *node
	DisableCgroup         bool
	SystemdCgroup         bool
	IsRunningInUserNS     bool
	EnableUnprivileged    bool
	NoDefaultEndpoint     bool
	NonrootDevices        bool
	PrivateRegistryConfig *registry
	ExtraRuntimes         map[string]runtimeConfig
	Program               string
}

type runtimes map[string]runtimeConfig

func (r runtimes) String() string { return fmt.Sprint(map[string]runtimeConfig(r)) }
func (r runtimes) Set(s string) error {
	i := strings.IndexByte(s, '=')
	if i <= 0 {
		return fmt.Errorf("want NAME=PATH, not %q", s)
	}
	r[s[:i]] = runtimeConfig{RuntimeType: "io.containerd.runc.v2", BinaryName: s[i+1:]}
	return nil
}

func main() {
	base := flag.String("base", "", "the base template")
	user := flag.String("user", "", "the user's template (default: the base alone)")
	dir := flag.String("dir", "/var/lib/rancher/k3s/agent", "containerd's directories")
	def := flag.String("default-runtime", "", "config.yaml's default-runtime")
	systemd := flag.Bool("systemd-cgroup", false, "the kubelet's cgroup driver is systemd")
	trim := flag.Bool("trim", false, "drop empty lines (k3s 1.31 and later)")
	extra := runtimes{}
	flag.Var(extra, "runtime", "a runtime k3s found, NAME=PATH (repeatable)")
	flag.Parse()
	if *base == "" {
		fmt.Fprintln(os.Stderr, "k3s-render: -base is required")
		os.Exit(2)
	}
	baseText, err := os.ReadFile(*base)
	if err != nil {
		fmt.Fprintln(os.Stderr, "k3s-render:", err)
		os.Exit(1)
	}
	userText := baseText
	if *user != "" {
		if userText, err = os.ReadFile(*user); err != nil {
			fmt.Fprintln(os.Stderr, "k3s-render:", err)
			os.Exit(1)
		}
	}
	cfg := config{
		NodeConfig: &node{
			Containerd: containerd{
				Address:  filepath.Join(*dir, "containerd.sock"),
				Opt:      filepath.Join(*dir, "opt"),
				Root:     filepath.Join(*dir, "root"),
				State:    filepath.Join(*dir, "state"),
				Registry: filepath.Join(*dir, "certs.d"),
				Template: filepath.Join(*dir, "etc"),
				Config:   filepath.Join(*dir, "etc", "config.toml"),
			},
			AgentConfig: agent{
				PauseImage:  "rancher/mirrored-pause:3.6",
				Snapshotter: "overlayfs",
				CNIBinDir:   filepath.Join(*dir, "cni", "bin"),
				CNIConfDir:  filepath.Join(*dir, "cni", "net.d"),
			},
			DefaultRuntime: *def,
		},
		SystemdCgroup:      *systemd,
		EnableUnprivileged: true,
		ExtraRuntimes:      map[string]runtimeConfig(extra),
		Program:            "k3s",
	}
	funcs := template.FuncMap{
		"deschemify": func(s string) string { return s },
		"toJson": func(v interface{}) string {
			b, _ := json.Marshal(v)
			return string(b)
		},
		"filepathjoin": filepath.Join,
	}
	// As k3s's ParseTemplateFromConfig: the user's template, with the base as "base".
	t, err := template.New("compiled_template").Funcs(funcs).Parse(string(userText))
	if err == nil {
		_, err = t.New("base").Parse(string(baseText))
	}
	out := new(bytes.Buffer)
	if err == nil {
		err = t.Execute(out, cfg)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "k3s-render:", err)
		os.Exit(1)
	}
	if !*trim {
		os.Stdout.Write(out.Bytes())
		return
	}
	w := bufio.NewWriter(os.Stdout)
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		if strings.HasPrefix(line, "[") {
			w.WriteString("\n")
		}
		w.WriteString(line + "\n")
	}
	w.Flush()
}
