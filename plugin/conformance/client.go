package main

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/argoproj/argo-rollouts/metricproviders/plugin/client"
	"github.com/argoproj/argo-rollouts/metricproviders/plugin/rpc"
	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
)

// getPlugin is what every measurement task of the controller does first (client.GetMetricPlugin, with its Ping).
func getPlugin(metric v1alpha1.Metric) (rpc.MetricProviderPlugin, error) {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var p rpc.MetricProviderPlugin
		if p, err = client.GetMetricPlugin(metric); err == nil {
			return p, nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return nil, err
}

// untilDone resumes a Running measurement at its ResumeAt, as the controller does, at most 100 times.
func untilDone(p rpc.MetricProviderPlugin, ar *v1alpha1.AnalysisRun, metric v1alpha1.Metric, m v1alpha1.Measurement) (v1alpha1.Measurement, int) {
	resumes := 0
	for i := 0; i < 100 && m.Phase == v1alpha1.AnalysisPhaseRunning; i++ {
		if m.ResumeAt != nil {
			time.Sleep(time.Until(m.ResumeAt.Time))
		}
		m = p.Resume(ar, metric, m)
		resumes++
	}
	return m, resumes
}

func measurementJSON(m v1alpha1.Measurement) map[string]any {
	out := map[string]any{"phase": m.Phase, "message": m.Message, "value": m.Value, "metadata": m.Metadata,
		"hasStartedAt": m.StartedAt != nil, "hasFinishedAt": m.FinishedAt != nil, "hasResumeAt": m.ResumeAt != nil}
	if m.ResumeAt != nil && m.StartedAt != nil {
		out["resumeAfterMs"] = m.ResumeAt.Sub(m.StartedAt.Time).Milliseconds()
	}
	return out
}

func runClientScenarios(target string) map[string]any {
	res := map[string]any{}
	metric := pluginMetric("direct", map[string]any{"kind": "httpProbe", "url": target + "/slow?ms=300", "resumeAfter": "100ms"},
		"result.status == 200 && result.body.sleptMs == 300")
	ar := analysisRun("direct", []v1alpha1.Metric{metric}, 0)
	p, err := getPlugin(metric)
	if err != nil {
		res["error"] = err.Error()
		return res
	}
	res["type"] = p.Type()
	res["metadata"] = p.GetMetadata(metric)

	first := p.Run(ar, metric)
	res["runReply"] = measurementJSON(first)
	done, resumes := untilDone(p, ar, metric, first)
	res["resumed"] = measurementJSON(done)
	res["resumes"] = resumes

	res["unknownResume"] = measurementJSON(p.Resume(ar, metric, v1alpha1.Measurement{
		Phase: v1alpha1.AnalysisPhaseRunning, Metadata: map[string]string{"sentinel.check": "no-such-check"}}))

	hang := pluginMetric("hang", map[string]any{"kind": "httpProbe", "url": target + "/hang", "resumeAfter": "1s"}, "")
	running := p.Run(ar, hang)
	terminated := p.Terminate(ar, hang, running)
	res["terminate"] = measurementJSON(terminated)
	res["resumeAfterTerminate"] = measurementJSON(p.Resume(ar, hang, running))
	if gc := p.GarbageCollect(ar, metric, 1); gc.HasError() {
		res["garbageCollectError"] = gc.Error()
	} else {
		res["garbageCollect"] = "ok"
	}

	badCond := pluginMetric("bad-cond", map[string]any{"kind": "httpProbe", "url": target + "/ok"}, "result.status == == 200")
	res["badCondition"] = measurementJSON(p.Run(ar, badCond))
	badCfg := pluginMetric("bad-cfg", map[string]any{"kind": "httpProbe", "url": "not a url", "timeout": "forever"}, "")
	res["badConfig"] = measurementJSON(p.Run(ar, badCfg))
	res["badConfigMetadata"] = p.GetMetadata(badCfg)

	res["concurrent"] = concurrentRuns(p, target, 64, 64*1024)
	res["killed"] = killMidRun(target)
	return res
}

// concurrentRuns starts n Runs at once, each with an AnalysisRun padded by pad bytes (n*pad far beyond the 256 KiB
// yamux window), resumes them all, and checks each result is its own.
func concurrentRuns(p rpc.MetricProviderPlugin, target string, n, pad int) map[string]any {
	var wg sync.WaitGroup
	wrong := make(chan string, n)
	start := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			metric := pluginMetric(fmt.Sprintf("c%d", i), map[string]any{"kind": "httpProbe", "url": fmt.Sprintf("%s/echo?i=%d", target, i), "resumeAfter": "50ms"},
				fmt.Sprintf(`result.body.i == "%d"`, i))
			ar := analysisRun(fmt.Sprintf("concurrent-%d", i), []v1alpha1.Metric{metric}, pad)
			m, _ := untilDone(p, ar, metric, p.Run(ar, metric))
			if m.Phase != v1alpha1.AnalysisPhaseSuccessful || !strings.Contains(m.Value, fmt.Sprintf(`"i":"%d"`, i)) {
				wrong <- fmt.Sprintf("run %d: %s %s %s", i, m.Phase, m.Message, m.Value)
			}
		}(i)
	}
	wg.Wait()
	close(wrong)
	var problems []string
	for w := range wrong {
		problems = append(problems, w)
	}
	sort.Strings(problems)
	return map[string]any{"runs": n, "argBytesEach": pad, "problems": problems, "ms": time.Since(start).Milliseconds()}
}

// killMidRun SIGKILLs the plugin while a measurement runs; the next GetMetricPlugin must start a fresh process.
func killMidRun(target string) map[string]any {
	res := map[string]any{}
	metric := pluginMetric("killed", map[string]any{"kind": "httpProbe", "url": target + "/slow?ms=2000", "resumeAfter": "100ms"}, "")
	ar := analysisRun("killed", []v1alpha1.Metric{metric}, 0)
	p, err := getPlugin(metric)
	if err != nil {
		res["error"] = err.Error()
		return res
	}
	running := p.Run(ar, metric)
	before := pluginPids()
	for _, pid := range before {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	time.Sleep(300 * time.Millisecond)
	res["pidsBefore"] = before
	// The controller's next reconcile: GetMetricPlugin notices the exit (or a failed Ping) and restarts the plugin.
	p2, err := getPlugin(metric)
	if err != nil {
		res["restartError"] = err.Error()
		return res
	}
	res["pidsAfter"] = pluginPids()
	res["resumeOnNewProcess"] = measurementJSON(p2.Resume(ar, metric, running))
	fresh := pluginMetric("after-restart", map[string]any{"kind": "httpProbe", "url": target + "/ok", "resumeAfter": "50ms"}, "result.ok")
	m, _ := untilDone(p2, ar, fresh, p2.Run(ar, fresh))
	res["runAfterRestart"] = measurementJSON(m)
	return res
}
