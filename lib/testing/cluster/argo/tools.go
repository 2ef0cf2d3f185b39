//go:build tools

// Package tools pins the real Argo Rollouts controller (github.com/argoproj/argo-rollouts/cmd/rollouts-controller,
// v1.10.2) for rollout-sentinel's one-machine test cluster; the fixture builds it with
// `go build github.com/argoproj/argo-rollouts/cmd/rollouts-controller`. A test fixture, never shipped.
package tools

import _ "github.com/argoproj/argo-rollouts/cmd/rollouts-controller"
