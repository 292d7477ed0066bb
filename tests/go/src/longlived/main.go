// Command longlived exercises long-lived and high-volume use of one clientv3 connection:
//
//	-mode idle   watch, stay idle for -idle seconds (keepalive pings every 10 s, 5 s timeout),
//	             then a write must arrive on the same watch over the same connection
//	-mode bulk   500 Range calls with 1 KiB keys, and 1000 watch create/cancel pairs
//	             (2000 requests, ~1 MiB) on one watch stream; the stream must still deliver
//	-mode large  5 keys x 1 MiB values, read back as one ~5 MiB Range response (3 times) and
//	             replayed through a watch
//
// Built in GOPATH mode against Debian's golang-etcd-server-dev (etcd 3.4 clientv3).
// Prints one JSON summary line; exits 1 with a message on failure.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/clientv3"
	"google.golang.org/grpc/connectivity"
)

var (
	endpoint = flag.String("endpoint", "127.0.0.1:2379", "server address")
	mode     = flag.String("mode", "idle", "idle | bulk | large")
	idle     = flag.Int("idle", 130, "idle seconds (mode idle)")
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "longlived: "+format+"\n", args...)
	os.Exit(1)
}

func newClient() *clientv3.Client {
	c, err := clientv3.New(clientv3.Config{
		Endpoints:            []string{*endpoint},
		DialTimeout:          5 * time.Second,
		DialKeepAliveTime:    10 * time.Second,
		DialKeepAliveTimeout: 5 * time.Second,
	})
	if err != nil {
		fail("connect: %v", err)
	}
	return c
}

// stateMonitor records every connectivity state the client connection passes through.
type stateMonitor struct {
	mu     sync.Mutex
	states []string
	stop   chan struct{}
}

func monitor(c *clientv3.Client) *stateMonitor {
	m := &stateMonitor{stop: make(chan struct{})}
	conn := c.ActiveConnection()
	go func() {
		last := conn.GetState()
		m.add(last)
		for {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			changed := conn.WaitForStateChange(ctx, last)
			cancel()
			select {
			case <-m.stop:
				return
			default:
			}
			if changed {
				last = conn.GetState()
				m.add(last)
			}
		}
	}()
	return m
}

func (m *stateMonitor) add(s connectivity.State) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.states = append(m.states, s.String())
}

func (m *stateMonitor) result() []string {
	close(m.stop)
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.states...)
}

func readyOnly(states []string) bool {
	for _, s := range states {
		if s != "READY" {
			return false
		}
	}
	return len(states) > 0
}

func emit(v map[string]interface{}) {
	b, _ := json.Marshal(v)
	fmt.Println(string(b))
}

func withTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

func put(c *clientv3.Client, key, value string) *clientv3.PutResponse {
	ctx, cancel := withTimeout(10 * time.Second)
	defer cancel()
	r, err := c.Put(ctx, key, value)
	if err != nil {
		fail("put %q: %v", key, err)
	}
	return r
}

func runIdle() {
	c := newClient()
	defer c.Close()
	put(c, "ll/warmup", "1") // make the connection READY before monitoring
	mon := monitor(c)
	wctx, wcancel := context.WithCancel(clientv3.WithRequireLeader(context.Background()))
	defer wcancel()
	wch := c.Watch(wctx, "ll/idle", clientv3.WithCreatedNotify())
	first, ok := <-wch
	if !ok || !first.Created || first.Err() != nil {
		fail("watch not created: %+v err=%v", first, first.Err())
	}
	var (
		mu       sync.Mutex
		errs     []string
		received []string
	)
	got := make(chan struct{}, 1)
	go func() {
		for resp := range wch {
			mu.Lock()
			if err := resp.Err(); err != nil || resp.Canceled {
				errs = append(errs, fmt.Sprintf("canceled=%v err=%v", resp.Canceled, err))
			}
			for _, ev := range resp.Events {
				received = append(received, string(ev.Kv.Value))
			}
			mu.Unlock()
			if len(resp.Events) > 0 {
				select {
				case got <- struct{}{}:
				default:
				}
			}
		}
		mu.Lock()
		errs = append(errs, "watch channel closed")
		mu.Unlock()
	}()
	start := time.Now()
	time.Sleep(time.Duration(*idle) * time.Second)
	put(c, "ll/idle", "after-idle")
	select {
	case <-got:
	case <-time.After(10 * time.Second):
		fail("no event within 10 s after %d s idle (errors: %v)", *idle, errs)
	}
	ctx, cancel := withTimeout(10 * time.Second)
	r, err := c.Get(ctx, "ll/idle")
	cancel()
	if err != nil || len(r.Kvs) != 1 {
		fail("get after idle: %v %v", r, err)
	}
	states := mon.result()
	mu.Lock()
	defer mu.Unlock()
	emit(map[string]interface{}{"mode": "idle", "idle_seconds": *idle, "elapsed": time.Since(start).Seconds(),
		"received": received, "watch_errors": errs, "states": states})
	if len(errs) > 0 || !readyOnly(states) || len(received) != 1 || received[0] != "after-idle" {
		fail("idle: errors=%v states=%v received=%v", errs, states, received)
	}
}

func runBulk() {
	c := newClient()
	defer c.Close()
	put(c, "ll/warmup", "1")
	mon := monitor(c)
	key := "ll/bulk/" + strings.Repeat("k", 1024-8)
	put(c, key, "v")
	reqBytes := 0
	for i := 0; i < 500; i++ {
		ctx, cancel := withTimeout(10 * time.Second)
		k := key
		if i%2 == 1 {
			k = key[:len(key)-4] + fmt.Sprintf("%04d", i) // a missing key of the same size
		}
		r, err := c.Get(ctx, k)
		cancel()
		if err != nil {
			fail("range %d: %v", i, err)
		}
		if (i%2 == 0) != (len(r.Kvs) == 1) {
			fail("range %d: unexpected result %v", i, r.Kvs)
		}
		reqBytes += len(k)
	}
	base := clientv3.WithRequireLeader(context.Background())
	watchReqBytes := 0
	for i := 0; i < 1000; i++ {
		ctx, cancel := context.WithCancel(base)
		wk := fmt.Sprintf("ll/w/%04d/%s", i, strings.Repeat("w", 1000))
		wch := c.Watch(ctx, wk, clientv3.WithCreatedNotify())
		select {
		case resp, ok := <-wch:
			if !ok || !resp.Created {
				fail("watch %d not created: %+v", i, resp)
			}
		case <-time.After(10 * time.Second):
			fail("watch %d: no created response within 10 s", i)
		}
		cancel()
		watchReqBytes += len(wk)
	}
	// The same stream (same metadata) must still deliver events.
	ctx, cancel := context.WithCancel(base)
	defer cancel()
	wch := c.Watch(ctx, "ll/bulk/final", clientv3.WithCreatedNotify())
	if resp := <-wch; !resp.Created {
		fail("final watch not created")
	}
	put(c, "ll/bulk/final", "done")
	select {
	case resp := <-wch:
		if len(resp.Events) != 1 || string(resp.Events[0].Kv.Value) != "done" {
			fail("final watch: unexpected %+v", resp)
		}
	case <-time.After(10 * time.Second):
		fail("final watch: no event")
	}
	states := mon.result()
	emit(map[string]interface{}{"mode": "bulk", "range_calls": 500, "range_key_bytes": reqBytes,
		"watch_requests": 2000, "watch_key_bytes": watchReqBytes, "states": states})
	if !readyOnly(states) {
		fail("bulk: connection left READY: %v", states)
	}
}

func runLarge() {
	c := newClient()
	defer c.Close()
	put(c, "ll/warmup", "1")
	mon := monitor(c)
	var firstRev int64
	values := make([][]byte, 5)
	for i := range values {
		values[i] = bytes.Repeat([]byte{byte('a' + i)}, 1<<20)
		r := put(c, fmt.Sprintf("ll/large/%d", i), string(values[i]))
		if i == 0 {
			firstRev = r.Header.Revision
		}
	}
	total := 0
	for round := 0; round < 3; round++ {
		ctx, cancel := withTimeout(30 * time.Second)
		r, err := c.Get(ctx, "ll/large/", clientv3.WithPrefix())
		cancel()
		if err != nil {
			fail("large range: %v", err)
		}
		if len(r.Kvs) != 5 {
			fail("large range: %d kvs", len(r.Kvs))
		}
		total = 0
		for i, kv := range r.Kvs {
			if !bytes.Equal(kv.Value, values[i]) {
				fail("large range: value %d differs (len %d)", i, len(kv.Value))
			}
			total += len(kv.Value) + len(kv.Key)
		}
	}
	ctx, cancel := context.WithTimeout(clientv3.WithRequireLeader(context.Background()), 30*time.Second)
	defer cancel()
	wch := c.Watch(ctx, "ll/large/", clientv3.WithPrefix(), clientv3.WithRev(firstRev))
	events := 0
	for events < 5 {
		resp, ok := <-wch
		if !ok || resp.Err() != nil {
			fail("large watch: closed or error after %d events: %v", events, resp.Err())
		}
		for _, ev := range resp.Events {
			if !bytes.Equal(ev.Kv.Value, values[events]) {
				fail("large watch: event %d value differs", events)
			}
			events++
		}
	}
	states := mon.result()
	emit(map[string]interface{}{"mode": "large", "response_bytes": total, "watch_events": events, "states": states})
	if !readyOnly(states) {
		fail("large: connection left READY: %v", states)
	}
}

func main() {
	flag.Parse()
	switch *mode {
	case "idle":
		runIdle()
	case "bulk":
		runBulk()
	case "large":
		runLarge()
	default:
		fail("unknown mode %q", *mode)
	}
}
