// Command kcm is the real kube-controller-manager (k8s.io/kubernetes/cmd/kube-controller-manager, v1.36.3, the same
// release as the kube-apiserver fixture) for rollout-sentinel's one-machine test cluster. It is the upstream main,
// unchanged; the fixture chooses the controllers with --controllers. A test fixture, never shipped.
package main

import (
	"os"
	_ "time/tzdata"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() {
	os.Exit(cli.Run(app.NewControllerManagerCommand()))
}
