package main

import (
	"context"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	kubeinformers "k8s.io/client-go/informers"
	k8sfake "k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/argoproj/argo-rollouts/analysis"
	"github.com/argoproj/argo-rollouts/controller/metrics"
	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	"github.com/argoproj/argo-rollouts/pkg/client/clientset/versioned/fake"
	informers "github.com/argoproj/argo-rollouts/pkg/client/informers/externalversions"
	"github.com/argoproj/argo-rollouts/utils/queue"
	"github.com/argoproj/argo-rollouts/utils/record"
)

type controllerCase struct {
	name      string
	metric    v1alpha1.Metric
	terminate bool // set spec.terminate once a measurement is Running
}

func controllerCases(target string) []controllerCase {
	ok := pluginMetric("health", map[string]any{"kind": "httpProbe", "url": target + "/ok", "resumeAfter": "200ms"},
		"result.status == 200 && result.body.healthy == true")
	ok.Count = intOrStr(2)
	ok.Interval = "1s"
	fail := pluginMetric("health", map[string]any{"kind": "httpProbe", "url": target + "/fail", "resumeAfter": "200ms"}, "result.status == 200")
	badConfig := pluginMetric("health", map[string]any{"kind": "httpProbe"}, "")
	badConfig.ConsecutiveErrorLimit = intOrStr(0)
	badCondition := pluginMetric("health", map[string]any{"kind": "httpProbe", "url": target + "/ok"}, "result.status ==")
	badCondition.ConsecutiveErrorLimit = intOrStr(0)
	hang := pluginMetric("health", map[string]any{"kind": "httpProbe", "url": target + "/hang", "resumeAfter": "300ms"}, "")
	// Past measurement retention (10 by default): Argo calls GarbageCollect on every reconcile, right after the Run
	// that started a new measurement — which a fast check has often finished by then.
	retention := pluginMetric("health", map[string]any{"kind": "httpProbe", "url": target + "/ok", "resumeAfter": "50ms"},
		"result.status == 200")
	retention.Count = intOrStr(14)
	retention.Interval = "200ms"
	return []controllerCase{
		{name: "probe-ok", metric: ok},
		{name: "probe-fail", metric: fail},
		{name: "bad-config", metric: badConfig},
		{name: "bad-condition", metric: badCondition},
		{name: "terminate", metric: hang, terminate: true},
		{name: "retention", metric: retention},
	}
}

// runControllerScenarios runs Argo's analysis controller against fake clientsets and reports how each AnalysisRun ends.
func runControllerScenarios(target string) map[string]any {
	cases := controllerCases(target)
	var objects []v1alpha1.AnalysisRun
	for _, c := range cases {
		ar := analysisRun(c.name, []v1alpha1.Metric{c.metric}, 0)
		ar.Status = v1alpha1.AnalysisRunStatus{}
		objects = append(objects, *ar)
	}
	argo := fake.NewSimpleClientset()
	kube := k8sfake.NewSimpleClientset()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	watching := watchStarted(argo)

	i := informers.NewSharedInformerFactory(argo, 0)
	k8sI := kubeinformers.NewSharedInformerFactory(kube, 0)
	seen := &sawRunning{names: map[string]bool{}}
	i.Argoproj().V1alpha1().AnalysisRuns().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(_, obj any) { seen.observe(obj.(*v1alpha1.AnalysisRun)) },
	})
	c := analysis.NewController(analysis.ControllerConfig{
		KubeClientSet:        kube,
		ArgoProjClientset:    argo,
		AnalysisRunInformer:  i.Argoproj().V1alpha1().AnalysisRuns(),
		JobInformer:          k8sI.Batch().V1().Jobs(),
		JobPodsInformer:      k8sI.Core().V1().Pods(),
		ResyncPeriod:         0,
		AnalysisRunWorkQueue: workqueue.NewNamedRateLimitingQueue(queue.DefaultArgoRolloutsRateLimiter(), "AnalysisRuns"),
		MetricsServer:        metrics.NewMetricsServer(metrics.ServerConfig{Addr: "127.0.0.1:0", K8SRequestProvider: &metrics.K8sRequestsCountProvider{}}),
		Recorder:             record.NewFakeEventRecorder(),
	})
	i.Start(ctx.Done())
	k8sI.Start(ctx.Done())
	cache.WaitForCacheSync(ctx.Done(), i.Argoproj().V1alpha1().AnalysisRuns().Informer().HasSynced)
	// A fake clientset's watch ignores resourceVersion: whatever is created after the informer's List but before its
	// Watch is registered never reaches the informer, and the controller never sees that AnalysisRun. A synced cache
	// says only that the List is done, so wait for the Watch too (likely what lost all six runs on a loaded CI machine).
	select {
	case <-watching:
	case <-ctx.Done():
	}
	go func() { _ = c.Run(ctx, 4) }()

	runs := argo.ArgoprojV1alpha1().AnalysisRuns("default")
	for idx := range objects {
		_, err := runs.Create(ctx, &objects[idx], metav1.CreateOptions{})
		must(err)
	}
	results := map[string]any{}
	terminated := map[string]bool{}
	last := map[string]*v1alpha1.AnalysisRun{}
	for ctx.Err() == nil && len(results) < len(cases) {
		time.Sleep(200 * time.Millisecond)
		for _, cs := range cases {
			if results[cs.name] != nil {
				continue
			}
			ar, err := runs.Get(ctx, cs.name, metav1.GetOptions{})
			if err != nil {
				continue
			}
			last[cs.name] = ar
			if cs.terminate && !terminated[cs.name] && seen.has(cs.name) {
				_, err := runs.Patch(ctx, cs.name, types.MergePatchType, []byte(`{"spec":{"terminate":true}}`), metav1.PatchOptions{})
				must(err)
				terminated[cs.name] = true
			}
			if ar.Status.Phase.Completed() {
				results[cs.name] = runReport(ar, seen.has(cs.name))
			}
		}
	}
	for _, cs := range cases {
		if results[cs.name] != nil {
			continue
		}
		// Not completed in time: report how far it got, so that a failing assertion shows the run's last state.
		timedOut := map[string]any{}
		if ar := last[cs.name]; ar != nil {
			timedOut = runReport(ar, seen.has(cs.name))
		}
		timedOut["timeout"] = true
		results[cs.name] = timedOut
	}
	return results
}

// watchStarted returns a channel closed once the first AnalysisRun watch is registered with the clientset's tracker;
// from then on the tracker queues every event for it.
func watchStarted(argo *fake.Clientset) <-chan struct{} {
	started := make(chan struct{})
	var once sync.Once
	argo.PrependWatchReactor("analysisruns", func(action clienttesting.Action) (bool, watch.Interface, error) {
		var opts metav1.ListOptions
		if w, ok := action.(clienttesting.WatchActionImpl); ok {
			opts = w.ListOptions
		}
		w, err := argo.Tracker().Watch(action.GetResource(), action.GetNamespace(), opts)
		if err != nil {
			return false, nil, err
		}
		once.Do(func() { close(started) })
		return true, w, nil
	})
	return started
}

type sawRunning struct {
	mu    sync.Mutex
	names map[string]bool
}

// observe notes AnalysisRuns whose latest measurement was Running with a ResumeAt (the async Run→Resume path).
func (s *sawRunning) observe(ar *v1alpha1.AnalysisRun) {
	for _, mr := range ar.Status.MetricResults {
		if n := len(mr.Measurements); n > 0 {
			last := mr.Measurements[n-1]
			if last.Phase == v1alpha1.AnalysisPhaseRunning && last.ResumeAt != nil {
				s.mu.Lock()
				s.names[ar.Name] = true
				s.mu.Unlock()
			}
		}
	}
}

func (s *sawRunning) has(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.names[name]
}

func runReport(ar *v1alpha1.AnalysisRun, sawRunning bool) map[string]any {
	out := map[string]any{"phase": ar.Status.Phase, "message": ar.Status.Message, "sawRunningWithResumeAt": sawRunning}
	var metricsOut []map[string]any
	for _, mr := range ar.Status.MetricResults {
		var ms []map[string]any
		for _, m := range mr.Measurements {
			ms = append(ms, measurementJSON(m))
		}
		metricsOut = append(metricsOut, map[string]any{
			"name": mr.Name, "phase": mr.Phase, "message": mr.Message, "count": mr.Count, "successful": mr.Successful,
			"failed": mr.Failed, "error": mr.Error, "metadata": mr.Metadata, "measurements": ms,
		})
	}
	out["metricResults"] = metricsOut
	return out
}
