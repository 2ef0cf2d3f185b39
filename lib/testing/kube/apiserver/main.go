// Command kube-fixture runs a real kube-apiserver (k8s.io/kubernetes/cmd/kube-apiserver) on loopback, backed by an
// embedded etcd (go.etcd.io/etcd/server/v3/embed), for rollout-sentinel's tests. It is a test fixture, never shipped.
//
// Usage:
//
//	kube-fixture --etcd-dir DIR --etcd-client-port N --etcd-peer-port M -- <kube-apiserver flags>
//
// The etcd data directory outlives the process, so a restarted fixture keeps every object and resourceVersion
// (tests use this to restart the API server under a live watch).
package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func loopbackURL(port int) url.URL {
	return url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", port)}
}

func startEtcd(dir string, clientPort, peerPort int) (*embed.Etcd, error) {
	cfg := embed.NewConfig()
	cfg.Dir = dir
	cfg.Name = "fixture"
	client := loopbackURL(clientPort)
	peer := loopbackURL(peerPort)
	cfg.ListenClientUrls = []url.URL{client}
	cfg.AdvertiseClientUrls = []url.URL{client}
	cfg.ListenPeerUrls = []url.URL{peer}
	cfg.AdvertisePeerUrls = []url.URL{peer}
	cfg.InitialCluster = fmt.Sprintf("fixture=%s", peer.String())
	cfg.LogLevel = "error"
	// Tests are short-lived; never fsync-bound on a shared CI disk.
	cfg.UnsafeNoFsync = true
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, err
	}
	select {
	case <-e.Server.ReadyNotify():
		return e, nil
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, fmt.Errorf("embedded etcd not ready after 60s")
	}
}

func main() {
	fs := flag.NewFlagSet("kube-fixture", flag.ExitOnError)
	dir := fs.String("etcd-dir", "", "etcd data directory (kept across restarts)")
	clientPort := fs.Int("etcd-client-port", 0, "etcd client port on 127.0.0.1")
	peerPort := fs.Int("etcd-peer-port", 0, "etcd peer port on 127.0.0.1")
	_ = fs.Parse(os.Args[1:])
	if *dir == "" || *clientPort == 0 || *peerPort == 0 {
		fmt.Fprintln(os.Stderr, "kube-fixture: --etcd-dir, --etcd-client-port and --etcd-peer-port are required")
		os.Exit(2)
	}
	e, err := startEtcd(*dir, *clientPort, *peerPort)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kube-fixture: etcd failed to start: %v\n", err)
		os.Exit(1)
	}
	defer e.Close()
	fmt.Fprintln(os.Stderr, "kube-fixture: etcd ready")

	cmd := app.NewAPIServerCommand()
	cmd.SetArgs(fs.Args())
	if err := cmd.Execute(); err != nil {
		fmt.Fprintf(os.Stderr, "kube-fixture: kube-apiserver exited: %v\n", err)
		os.Exit(1)
	}
}
