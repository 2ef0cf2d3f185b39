// Command sentinel-plugin-shim is what Argo Rollouts' controller starts as the rollout-sentinel plugin. It is static
// (CGO_ENABLED=0: it runs in distroless/static, with no libc, no shell, no Node) and has two modes:
//
//   - stock-image route (no arguments): once the `sentinel plugin --serve` sidecar accepts connections on the shared
//     unix socket, it prints go-plugin's handshake line naming that socket, so the controller's go-plugin client talks
//     to the sidecar directly. It then stays until the controller stops it (go-plugin kills it after Control.Quit) or
//     the controller goes away.
//   - custom-image route (`--node-bundle <file>`, the ConfigMap entry's `args`): launcher.go — checks for Node and
//     execs it on the plugin bundle.
//
// When it cannot hand over a working plugin (the sidecar does not come up, Node is missing), it serves go-plugin's
// protocol itself and answers every call with an Error naming the cause and the fix (errserver.go), so the
// AnalysisRun says what is wrong instead of go-plugin's "Unrecognized remote plugin message".
//
// Environment: ARGO_ROLLOUTS_RPC_PLUGIN (go-plugin's magic cookie, set by the controller), SENTINEL_PLUGIN_SOCKET
// (default /var/run/rollout-sentinel/plugin.sock), SENTINEL_PLUGIN_WAIT (how long to wait for the sidecar; default
// 45s, under go-plugin's 1 minute start timeout), SENTINEL_NODE (custom-image route: Node's path; default: PATH).
package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

const (
	defaultSocket = "/var/run/rollout-sentinel/plugin.sock"
	defaultWait   = 45 * time.Second
	// errorLinger: how long an error-answering shim stays after its first answer before it exits, so that the
	// controller starts the plugin afresh at a later reconcile (and picks up a sidecar that has come up meanwhile).
	errorLinger = 10 * time.Second
	// Argo Rollouts' metric plugin handshake (metricproviders/plugin/rpc: MagicCookieKey/Value, ProtocolVersion 1).
	cookieKey   = "ARGO_ROLLOUTS_RPC_PLUGIN"
	cookieValue = "metricprovider"
	appProtocol = "1"
)

func fail(format string, args ...any) {
	// go-plugin relays stderr lines into the controller's log and, before the handshake, into its error.
	fmt.Fprintf(os.Stderr, "rollout-sentinel plugin shim: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	if os.Getenv(cookieKey) != cookieValue {
		fail("this program is started by the Argo Rollouts controller as a metric plugin, not by hand " +
			"(see deploy/plugin/stock-image).")
	}
	if v := os.Getenv("PLUGIN_PROTOCOL_VERSIONS"); v != "" && !contains(strings.Split(v, ","), appProtocol) {
		fail("the controller speaks plugin protocol versions %q; this plugin speaks %s.", v, appProtocol)
	}
	if len(os.Args) == 3 && os.Args[1] == "--node-bundle" {
		launch(os.Args[2], errorLinger)
		return
	}
	if len(os.Args) > 1 {
		fail("unknown arguments %q: the shim takes none (stock-image route) or `--node-bundle <file>` "+
			"(custom-image route).", os.Args[1:])
	}
	socket := os.Getenv("SENTINEL_PLUGIN_SOCKET")
	if socket == "" {
		socket = defaultSocket
	}
	wait := defaultWait
	if v := os.Getenv("SENTINEL_PLUGIN_WAIT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			fail("SENTINEL_PLUGIN_WAIT=%q is not a positive duration such as 30s.", v)
		}
		wait = d
	}
	// The sidecar may still be starting (or restarting): wait until it accepts a connection.
	deadline := time.Now().Add(wait)
	for {
		c, err := net.DialTimeout("unix", socket, time.Second)
		if err == nil {
			_ = c.Close()
			break
		}
		if time.Now().After(deadline) {
			serveError(fmt.Sprintf("rollout-sentinel plugin: the sentinel plugin sidecar is not serving on %s after "+
				"%s (%v). Check the rollout-sentinel-plugin container of the controller pod (its log, that it runs "+
				"`sentinel plugin --serve`) and that both containers mount the socket volume (deploy/plugin/stock-image).",
				socket, wait, err), errorLinger)
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	// go-plugin's handshake: CORE-PROTOCOL|APP-PROTOCOL|NETWORK|ADDRESS|PROTOCOL.
	fmt.Printf("1|%s|unix|%s|netrpc\n", appProtocol, socket)

	// Stay until stopped: go-plugin treats an exited plugin process as a dead plugin.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	signal.Ignore(syscall.SIGINT) // like go-plugin servers: the controller, not Ctrl-C, decides
	go exitWithParent(func() { os.Exit(0) })
	<-sig
}

// exitWithParent calls `exit` once the controller (the parent process) is gone.
func exitWithParent(exit func()) {
	parent := os.Getppid()
	for range time.Tick(time.Second) {
		if os.Getppid() != parent {
			exit()
		}
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if strings.TrimSpace(x) == v {
			return true
		}
	}
	return false
}
