package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	goPlugin "github.com/hashicorp/go-plugin"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
)

// logCapture collects what go-plugin's hclog logger writes (the plugin's stderr, re-logged by the client).
type logCapture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logCapture) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if os.Getenv("CONFORMANCE_VERBOSE") != "" {
		os.Stderr.Write(p)
	}
	return l.buf.Write(p)
}

func (l *logCapture) Lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(l.buf.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// startTarget is the HTTP service the plugin probes: /ok, /fail, /slow?ms=, /hang, /echo?i=.
func startTarget() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"healthy":true,"version":"v2"}`)
	})
	mux.HandleFunc("/fail", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `{"healthy":false}`)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"healthy":true,"sleptMs":%d}`, ms)
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(60 * time.Second):
		}
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"i":%q}`, r.URL.Query().Get("i"))
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(err)
	s := httptest.NewUnstartedServer(mux)
	s.Listener.Close()
	s.Listener = l
	s.Start()
	return s
}

// pluginMetric builds a Metric whose provider.plugin block is cfg (as the controller would after arg resolution).
func pluginMetric(name string, cfg map[string]any, success string) v1alpha1.Metric {
	raw, err := json.Marshal(cfg)
	must(err)
	return v1alpha1.Metric{
		Name:             name,
		SuccessCondition: success,
		Provider:         v1alpha1.MetricProvider{Plugin: map[string]json.RawMessage{pluginName: raw}},
	}
}

// analysisRun builds a realistic AnalysisRun owned by a Rollout; annotationBytes pads it to test flow control.
func analysisRun(name string, metrics []v1alpha1.Metric, annotationBytes int) *v1alpha1.AnalysisRun {
	ctrl := true
	now := metav1.Now()
	ar := &v1alpha1.AnalysisRun{
		TypeMeta: metav1.TypeMeta{Kind: "AnalysisRun", APIVersion: "argoproj.io/v1alpha1"},
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: "default", UID: types.UID("uid-" + name), CreationTimestamp: now,
			Labels:          map[string]string{"rollouts-pod-template-hash": "6d4f8c7b9"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "argoproj.io/v1alpha1", Kind: "Rollout", Name: "checkout", UID: types.UID("uid-rollout"), Controller: &ctrl}},
		},
		Spec: v1alpha1.AnalysisRunSpec{
			Metrics: metrics,
			Args:    []v1alpha1.Argument{{Name: "service", Value: strPtr("checkout-canary")}},
		},
		Status: v1alpha1.AnalysisRunStatus{Phase: v1alpha1.AnalysisPhaseRunning, StartedAt: &now},
	}
	if annotationBytes > 0 {
		ar.Annotations = map[string]string{"padding": strings.Repeat("x", annotationBytes)}
	}
	return ar
}

func strPtr(s string) *string { return &s }

func intOrStr(i int) *intstr.IntOrString { v := intstr.FromInt(i); return &v }

// pluginPids lists our child processes running the installed plugin.
func pluginPids() []int {
	self := os.Getpid()
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(self) {
			cmd, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			if bytes.Contains(cmd, []byte("plugin-bin")) {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

func rssKiB(pid int) int {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			v, _ := strconv.Atoi(strings.Fields(line)[1])
			return v
		}
	}
	return -1
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// quitAll is the controller's shutdown: goPlugin.CleanupClients() sends Control.Quit and waits up to 2 s before
// SIGKILL. A clean exit returns well before that.
func quitAll() map[string]any {
	pids := pluginPids()
	start := time.Now()
	goPlugin.CleanupClients()
	ms := time.Since(start).Milliseconds()
	stillAlive := 0
	for _, p := range pids {
		if alive(p) {
			stillAlive++
		}
	}
	return map[string]any{"pids": pids, "cleanupMs": ms, "stillAlive": stillAlive}
}
