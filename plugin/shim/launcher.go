package main

// The custom-image route's launcher (`sentinel-plugin-shim --node-bundle <file>`): the ConfigMap points the
// controller at this static executable, which checks that Node 22+ is in the controller image and replaces itself
// (execve, same PID) with `node <the bundle's shebang flags> <bundle>`. When Node is missing or too old, or the bundle
// is not there, the controller would otherwise only see go-plugin's "Unrecognized remote plugin message"; the shim
// serves the protocol itself instead and answers every call with an Error naming the cause and the fix.

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// minNodeMajor is the bundle's `engines.node` major version (package.json: >=22.19.0).
const minNodeMajor = 22

// defaultPath is searched when the controller's environment has no PATH (Node's official images use /usr/local/bin).
const defaultPath = "/usr/local/bin:/usr/bin:/bin"

const customImageFix = "The custom-image route (deploy/plugin/custom-image) runs the plugin with Node inside the " +
	"controller container: run the controller image built from deploy/plugin/Dockerfile (Argo's controller on " +
	"node:22 slim), or set SENTINEL_NODE in the controller's env to Node's path; on the stock controller image use " +
	"the stock-image route (deploy/plugin/stock-image: no Node in the controller image)."

// launch execs Node on the bundle, or serves the cause as an error when it cannot.
func launch(bundle string, linger time.Duration) {
	node, cause := findNode()
	if cause == "" {
		cause = checkBundle(bundle)
	}
	if cause != "" {
		serveError(cause, linger)
		return
	}
	args := append([]string{node}, shebangFlags(bundle)...)
	args = append(args, bundle)
	err := syscall.Exec(node, args, os.Environ())
	serveError(fmt.Sprintf("rollout-sentinel plugin: cannot start %s %s: %v. %s", node, bundle, err, customImageFix),
		linger)
}

// findNode returns Node's path, or a cause naming what is missing.
func findNode() (string, string) {
	node := os.Getenv("SENTINEL_NODE")
	where := "SENTINEL_NODE=" + node
	if node == "" {
		path := os.Getenv("PATH")
		if path == "" {
			path = defaultPath
		}
		where = "PATH=" + path
		for _, dir := range filepath.SplitList(path) {
			if p := filepath.Join(dir, "node"); isExecutable(p) {
				node = p
				break
			}
		}
		if node == "" {
			return "", "rollout-sentinel plugin: Node.js is not installed in the controller image (no executable " +
				"`node` in " + where + "), so the plugin bundle cannot run. " + customImageFix
		}
	} else if !isExecutable(node) {
		return "", "rollout-sentinel plugin: Node.js is not at " + where + " (not an executable file). " + customImageFix
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return "", fmt.Sprintf("rollout-sentinel plugin: %s --version failed (%v): Node.js cannot run in the "+
			"controller image (a node binary for another libc or architecture?). %s", node, err, customImageFix)
	}
	v := strings.TrimSpace(string(out))
	major, _ := strconv.Atoi(strings.SplitN(strings.TrimPrefix(v, "v"), ".", 2)[0])
	if major < minNodeMajor {
		return "", fmt.Sprintf("rollout-sentinel plugin: %s is Node.js %s; the plugin needs Node.js %d or newer. %s",
			node, v, minNodeMajor, customImageFix)
	}
	return node, ""
}

func checkBundle(bundle string) string {
	f, err := os.Open(bundle)
	if err != nil {
		return fmt.Sprintf("rollout-sentinel plugin: the plugin bundle %s cannot be read (%v). The controller image "+
			"built from deploy/plugin/Dockerfile has it at /opt/rollout-sentinel/sentinel-plugin.js; the "+
			"`--node-bundle` argument in argo-rollouts-config must name that file.", bundle, err)
	}
	_ = f.Close()
	return ""
}

// shebangFlags returns Node's flags from the bundle's first line (`#!/usr/bin/env -S node --flag …`), so that the
// launcher starts Node exactly as the shebang would.
func shebangFlags(bundle string) []string {
	f, err := os.Open(bundle)
	if err != nil {
		return nil
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	if !strings.HasPrefix(line, "#!") {
		return nil
	}
	fields := strings.Fields(strings.TrimPrefix(line, "#!"))
	for i, w := range fields {
		if filepath.Base(w) == "node" {
			return fields[i+1:]
		}
	}
	return nil
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}
