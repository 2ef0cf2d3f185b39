package main

// The shim's own go-plugin server, used only when it cannot hand the controller a working plugin (no Node for the
// custom-image route, no sidecar on the stock-image route): it speaks go-plugin's netrpc protocol (yamux over a unix
// socket, net/rpc with gob) and answers every call of Argo's metric-provider interface with an Error that names the
// cause and what to do. Without it the controller can only show go-plugin's "Unrecognized remote plugin message".
//
// The wire types below carry only the fields the shim reads or writes: gob matches struct fields by name and skips the
// rest (and needs at least one to match), and interface values by the names Argo registers (metricproviders/plugin/rpc).

import (
	"encoding/binary"
	"encoding/gob"
	"fmt"
	"net"
	"net/rpc"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/yamux"
)

type wireMetric struct{ Name string }

// RunArgs and the others: the gob names and a matching field of Argo's argument types.
type RunArgs struct{ Metric wireMetric }
type TerminateAndResumeArgs struct{ Metric wireMetric }
type GarbageCollectArgs struct {
	Metric wireMetric
	Limit  int
}
type GetMetadataArgs struct{ Metric wireMetric }

// RpcError is Argo's types.RpcError.
type RpcError struct{ ErrorString string }

// Measurement carries the fields of Argo's v1alpha1.Measurement the shim sets.
type Measurement struct {
	Phase   string
	Message string
}

func init() {
	gob.RegisterName("RunArgs", new(RunArgs))
	gob.RegisterName("TerminateAndResumeArgs", new(TerminateAndResumeArgs))
	gob.RegisterName("GarbageCollectArgs", new(GarbageCollectArgs))
	gob.RegisterName("GetMetadataArgs", new(GetMetadataArgs))
	gob.RegisterName("RpcError", new(RpcError))
}

// errorPlugin answers Argo's metric-provider calls ("Plugin.*") with `cause`.
type errorPlugin struct {
	cause    string
	answered func()
}

func (p *errorPlugin) InitPlugin(_ any, resp *RpcError) error {
	*resp = RpcError{ErrorString: p.cause}
	p.answered()
	return nil
}

func (p *errorPlugin) Run(_ any, resp *Measurement) error {
	*resp = Measurement{Phase: "Error", Message: p.cause}
	p.answered()
	return nil
}

func (p *errorPlugin) Resume(_ any, resp *Measurement) error {
	*resp = Measurement{Phase: "Error", Message: p.cause}
	p.answered()
	return nil
}

func (p *errorPlugin) Terminate(_ any, resp *Measurement) error {
	*resp = Measurement{Phase: "Error", Message: p.cause}
	return nil
}

func (p *errorPlugin) GarbageCollect(_ any, resp *RpcError) error {
	*resp = RpcError{ErrorString: p.cause}
	return nil
}

func (p *errorPlugin) Type(_ any, resp *string) error {
	*resp = "RpcPlugin"
	return nil
}

func (p *errorPlugin) GetMetadata(_ any, resp *map[string]string) error {
	*resp = map[string]string{}
	return nil
}

// control is go-plugin's "Control" service (Ping, Quit) and dispenser its "Dispenser".
type control struct{ quit func() }

func (c *control) Ping(_ bool, resp *struct{}) error { *resp = struct{}{}; return nil }
func (c *control) Quit(_ bool, resp *struct{}) error {
	*resp = struct{}{}
	c.quit()
	return nil
}

type dispenser struct{}

// Dispense hands out broker stream 1: the only plugin the controller asks for is RpcMetricProviderPlugin.
func (dispenser) Dispense(name string, resp *uint32) error {
	if name != "RpcMetricProviderPlugin" {
		return fmt.Errorf("unknown plugin type: %s", name)
	}
	*resp = 1
	return nil
}

// serveError prints go-plugin's handshake for a socket of its own and answers every call with `cause` until the
// controller quits it, or `linger` after the first answer (the controller then starts the plugin again at its next
// reconcile: a sidecar that has come up meanwhile, or a fixed image, is picked up without a controller restart).
func serveError(cause string, linger time.Duration) {
	dir, err := os.MkdirTemp("", "sentinel-plugin-shim-")
	if err != nil {
		fail("%s (and no temporary folder for the error report: %v)", cause, err)
	}
	sock := filepath.Join(dir, "plugin.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		fail("%s (and no socket for the error report: %v)", cause, err)
	}
	var exiting sync.Once
	exit := func(code int) {
		exiting.Do(func() {
			_ = l.Close()
			_ = os.RemoveAll(dir)
			os.Exit(code)
		})
	}
	var once sync.Once
	answered := func() {
		once.Do(func() { time.AfterFunc(linger, func() { exit(0) }) })
	}
	quit := func() { time.AfterFunc(100*time.Millisecond, func() { exit(0) }) }
	fmt.Fprintf(os.Stderr, "rollout-sentinel plugin shim: %s\n", cause)
	fmt.Printf("1|%s|unix|%s|netrpc\n", appProtocol, sock)
	go exitWithParent(func() { exit(0) })
	for {
		conn, err := l.Accept()
		if err != nil {
			exit(0) // the listener is closed: exiting already (Quit, linger, the controller gone)
			select {}
		}
		go serveConn(conn, &errorPlugin{cause: cause, answered: answered}, quit)
	}
}

// serveConn is go-plugin's RPCServer.ServeConn for one controller connection: yamux; the control stream, the
// stdout/stderr streams (nothing is written to them), then broker streams, each opened with its id, acknowledged,
// and served as the plugin.
func serveConn(conn net.Conn, plugin *errorPlugin, quit func()) {
	mux, err := yamux.Server(conn, nil)
	if err != nil {
		_ = conn.Close()
		return
	}
	defer mux.Close()
	ctl, err := mux.Accept()
	if err != nil {
		return
	}
	for i := 0; i < 2; i++ {
		if _, err := mux.Accept(); err != nil {
			return
		}
	}
	go func() {
		for {
			s, err := mux.Accept()
			if err != nil {
				return
			}
			var id uint32
			if err := binary.Read(s, binary.LittleEndian, &id); err != nil {
				_ = s.Close()
				continue
			}
			if err := binary.Write(s, binary.LittleEndian, id); err != nil {
				_ = s.Close()
				continue
			}
			srv := rpc.NewServer()
			_ = srv.RegisterName("Plugin", plugin)
			go srv.ServeConn(s)
		}
	}()
	srv := rpc.NewServer()
	_ = srv.RegisterName("Control", &control{quit: quit})
	_ = srv.RegisterName("Dispenser", dispenser{})
	srv.ServeConn(ctl)
}
