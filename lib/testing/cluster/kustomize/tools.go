//go:build tools

// Package tools pins kustomize (sigs.k8s.io/kustomize/kustomize/v5) for the manifest tests when kubectl is not on
// PATH; the fixture builds it with `go build sigs.k8s.io/kustomize/kustomize/v5`. A test fixture, never shipped.
package tools

import _ "sigs.k8s.io/kustomize/kustomize/v5"
