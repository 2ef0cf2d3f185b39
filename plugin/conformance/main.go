// Command conformance-host loads the rollout-sentinel metric plugin exactly as the Argo Rollouts controller does
// (argo-rollouts-config ConfigMap in a fake clientset, Argo's plugin downloader, Argo's go-plugin client and analysis
// controller) and prints a JSON report on stdout for plugin/conformance.test.ts and the benchmark to assert on.
//
// Modes: conformance (controller + direct client scenarios), bench (round-trip figures), capture (writes the gob
// bytes of a first Plugin.Run request built from the real v1alpha1/k8s types).
package main

import (
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	log "github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sfake "k8s.io/client-go/kubernetes/fake"
	"sigs.k8s.io/yaml"

	"github.com/argoproj/argo-rollouts/utils/config"
	argoplugin "github.com/argoproj/argo-rollouts/utils/plugin"
	"github.com/argoproj/argo-rollouts/utils/plugin/types"
)

const pluginName = "rollout-sentinel/canary"
const namespace = "argo-rollouts"

func main() {
	pluginPath := flag.String("plugin", "", "absolute path of the bundled plugin (dist/sentinel-plugin.js)")
	mode := flag.String("mode", "conformance", "conformance | bench | capture")
	out := flag.String("out", "", "capture: file to write")
	iterations := flag.Int("iterations", 300, "bench: Run→Resume round trips")
	configMap := flag.String("configmap", "", "argo-rollouts-config manifest to install (deploy/plugin/argo-rollouts-config.yaml); its location is pointed at -plugin")
	idle := flag.Duration("idle", 10*time.Second, "bench: idle time before the RSS-after-load sample")
	flag.Parse()
	log.SetOutput(os.Stderr)
	log.SetLevel(log.WarnLevel)

	if *mode == "capture" {
		must(capture(*out))
		return
	}
	abs, err := filepath.Abs(*pluginPath)
	must(err)
	if *configMap != "" {
		*configMap, err = filepath.Abs(*configMap)
		must(err)
	}
	work, err := os.MkdirTemp("", "sentinel-conformance-")
	must(err)
	defer os.RemoveAll(work)
	must(os.Chdir(work))

	logs := &logCapture{}
	// go-plugin's client re-logs the plugin's stderr through hclog; capture it to check levels and messages.
	hclog.DefaultOutput = logs

	start := time.Now()
	must(installPlugin(abs, *configMap))
	target := startTarget()
	defer target.Close()

	report := map[string]any{"pluginPath": abs, "configMap": *configMap, "installMs": time.Since(start).Milliseconds()}
	switch *mode {
	case "conformance":
		report["controller"] = runControllerScenarios(target.URL)
		report["client"] = runClientScenarios(target.URL)
	case "bench":
		report["bench"] = runBench(target.URL, *iterations, *idle)
	default:
		must(fmt.Errorf("unknown mode %q", *mode))
	}
	report["quit"] = quitAll()
	report["pluginLog"] = logs.Lines()
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	must(enc.Encode(report))
}

// installPlugin does what the controller does at start-up: read argo-rollouts-config and "download" the plugin
// (a file:// location is copied to plugin-bin/<ns>/<name> and chmod 0700).
func installPlugin(path, manifest string) error {
	body, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	sum := fmt.Sprintf("%x", sha256.Sum256(body))
	os.Setenv("POD_NAMESPACE", namespace)
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "argo-rollouts-config", Namespace: namespace},
		Data: map[string]string{
			"metricProviderPlugins": fmt.Sprintf("- name: %s\n  location: file://%s\n  sha256: %s\n", pluginName, path, sum),
		},
	}
	if manifest != "" {
		if cm, err = deployedConfigMap(manifest, path, sum); err != nil {
			return err
		}
	}
	kube := k8sfake.NewSimpleClientset(cm)
	if _, err := config.InitializeConfig(kube, "argo-rollouts-config"); err != nil {
		return fmt.Errorf("InitializeConfig: %w", err)
	}
	return argoplugin.DownloadPlugins(argoplugin.FileDownloaderImpl{}, kube)
}

func must(err error) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "conformance-host: %v\n", err)
		os.Exit(2)
	}
}

// deployedConfigMap reads the shipped argo-rollouts-config manifest and points its plugin entry at the bundle under
// test, so Argo's own loader and ValidateConfig check the manifest users apply.
func deployedConfigMap(manifest, path, sum string) (*corev1.ConfigMap, error) {
	raw, err := os.ReadFile(manifest)
	if err != nil {
		return nil, err
	}
	var cm corev1.ConfigMap
	if err := yaml.Unmarshal(raw, &cm); err != nil {
		return nil, fmt.Errorf("%s: %w", manifest, err)
	}
	var items []types.PluginItem
	if err := yaml.Unmarshal([]byte(cm.Data["metricProviderPlugins"]), &items); err != nil {
		return nil, fmt.Errorf("%s metricProviderPlugins: %w", manifest, err)
	}
	if len(items) != 1 || items[0].Name != pluginName || !strings.HasPrefix(items[0].Location, "file:///") || len(items[0].Sha256) != 64 {
		return nil, fmt.Errorf("%s: expected one %s entry with a file:/// location and a 64-character sha256, got %+v", manifest, pluginName, items)
	}
	items[0].Location = "file://" + path
	items[0].Sha256 = sum
	out, err := yaml.Marshal(items)
	if err != nil {
		return nil, err
	}
	cm.Namespace = namespace
	cm.Data["metricProviderPlugins"] = string(out)
	return &cm, nil
}
