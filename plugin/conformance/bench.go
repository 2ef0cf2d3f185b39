package main

import (
	"bytes"
	"encoding/gob"
	"net/rpc"
	"os"
	"sort"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	pluginrpc "github.com/argoproj/argo-rollouts/metricproviders/plugin/rpc"
	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
)

func percentiles(d []time.Duration) map[string]float64 {
	sort.Slice(d, func(a, b int) bool { return d[a] < d[b] })
	at := func(p float64) float64 { return float64(d[int(p*float64(len(d)-1))].Microseconds()) / 1000 }
	return map[string]float64{"p50": at(0.5), "p90": at(0.9), "p99": at(0.99), "max": at(1)}
}

// realisticRun is an AnalysisRun as the controller sends it mid-analysis: labels, owner, args, 10 past measurements.
func realisticRun(metric v1alpha1.Metric) *v1alpha1.AnalysisRun {
	ar := analysisRun("bench", []v1alpha1.Metric{metric}, 0)
	var history []v1alpha1.Measurement
	for i := 0; i < 10; i++ {
		t := metav1.Now()
		history = append(history, v1alpha1.Measurement{Phase: v1alpha1.AnalysisPhaseSuccessful, StartedAt: &t, FinishedAt: &t,
			Value: `{"status":200,"ok":true,"latencyMs":1.2}`, Metadata: map[string]string{"url": "http://checkout", "status": "200"}})
	}
	ar.Status.MetricResults = []v1alpha1.MetricResult{{Name: metric.Name, Phase: v1alpha1.AnalysisPhaseRunning, Measurements: history, Count: 10, Successful: 10}}
	return ar
}

// runBench measures Run→Resume round trips through Argo's client (protocol overhead: the probe itself runs in the
// background between the two calls and is not timed), Ping round trips, 64 concurrent Runs, and idle RSS.
func runBench(target string, iterations int, idle time.Duration) map[string]any {
	metric := pluginMetric("bench", map[string]any{"kind": "httpProbe", "url": target + "/ok", "resumeAfter": "1s"}, "result.ok")
	ar := realisticRun(metric)
	p, err := getPlugin(metric)
	must(err)
	pids := pluginPids()
	time.Sleep(2 * time.Second)
	rssStart := rssKiB(pids[0])

	var runT, resumeT, roundT, pingT []time.Duration
	for i := 0; i < iterations+20; i++ {
		t0 := time.Now()
		m := p.Run(ar, metric)
		t1 := time.Now()
		time.Sleep(3 * time.Millisecond) // let the background probe finish; not part of the measured overhead
		t2 := time.Now()
		m = p.Resume(ar, metric, m)
		t3 := time.Now()
		if m.Phase != v1alpha1.AnalysisPhaseSuccessful {
			for j := 0; j < 50 && m.Phase == v1alpha1.AnalysisPhaseRunning; j++ {
				time.Sleep(5 * time.Millisecond)
				m = p.Resume(ar, metric, m)
			}
			continue
		}
		if i >= 20 { // warm-up
			runT = append(runT, t1.Sub(t0))
			resumeT = append(resumeT, t3.Sub(t2))
			roundT = append(roundT, t1.Sub(t0)+t3.Sub(t2))
		}
		t4 := time.Now()
		_, _ = getPlugin(metric) // GetMetricPlugin + Control.Ping, as before every controller call
		pingT = append(pingT, time.Since(t4))
	}
	concurrent := concurrentRuns(p, target, 64, 64*1024)
	rssLoaded := rssKiB(pids[0])
	time.Sleep(idle)
	return map[string]any{
		"iterations": len(roundT), "runResumeMs": percentiles(roundT), "runMs": percentiles(runT), "resumeMs": percentiles(resumeT),
		"getPluginPingMs": percentiles(pingT), "concurrent": concurrent,
		"rssKiBAfterStart": rssStart, "rssKiBRightAfterLoad": rssLoaded, "idleSeconds": idle.Seconds(), "rssKiBIdleAfterLoad": rssKiB(pids[0]), "pid": pids[0],
	}
}

// capture writes the bytes Go's net/rpc client sends for a first Plugin.Run on a fresh broker stream: the Request
// header and the RunArgs interface value with every type definition of the real v1alpha1 + k8s type graph.
func capture(out string) error {
	metric := pluginMetric("capture", map[string]any{"kind": "httpProbe", "url": "http://checkout-canary/healthz"}, "result.ok")
	ar := realisticRun(metric)
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	if err := enc.Encode(&rpc.Request{ServiceMethod: "Plugin.Run", Seq: 0}); err != nil {
		return err
	}
	var args any = pluginrpc.RunArgs{AnalysisRun: ar, Metric: metric}
	if err := enc.Encode(&args); err != nil {
		return err
	}
	first := buf.Len()
	if err := enc.Encode(&rpc.Request{ServiceMethod: "Plugin.Run", Seq: 1}); err != nil {
		return err
	}
	if err := enc.Encode(&args); err != nil {
		return err
	}
	_ = first
	return os.WriteFile(out, buf.Bytes(), 0o644)
}
