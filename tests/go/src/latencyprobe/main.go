// Command latencyprobe is the legitimate client of tests/test_h2_floods.py.
//
//	-mode probe       (beside a flood) one clientv3 connection issuing Get(-key) back to back for
//	                  -duration, and a watch on -key on the same connection. One line per request:
//	                  "<unix nanoseconds when it started> <latency in microseconds>", then
//	                  "watch <events received>" and "done".
//	-mode concurrent  -streams goroutines each issuing -requests Gets of -key at once on one
//	                  connection (every response must carry the key); prints "done <seconds>".
//
// Any error exits 1 with a message.
//
// Built in GOPATH mode against Debian's golang-etcd-server-dev (etcd 3.4 clientv3).
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"sync"
	"time"

	"go.etcd.io/etcd/clientv3"
)

var (
	endpoint = flag.String("endpoint", "127.0.0.1:2379", "server address")
	key      = flag.String("key", "probe", "key to read")
	duration = flag.Duration("duration", 5*time.Second, "how long to probe")
	mode     = flag.String("mode", "probe", "probe | concurrent")
	streams  = flag.Int("streams", 500, "concurrent goroutines (mode concurrent)")
	requests = flag.Int("requests", 4, "Gets per goroutine (mode concurrent)")
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "latencyprobe: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	flag.Parse()
	c, err := clientv3.New(clientv3.Config{
		Endpoints:            []string{*endpoint},
		DialTimeout:          5 * time.Second,
		DialKeepAliveTime:    10 * time.Second,
		DialKeepAliveTimeout: 5 * time.Second,
	})
	if err != nil {
		fail("connect: %v", err)
	}
	defer c.Close()
	if *mode == "concurrent" {
		concurrent(c)
		return
	}
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer out.Flush()

	watchCtx, stopWatch := context.WithCancel(context.Background())
	events := make(chan int, 1)
	wch := c.Watch(watchCtx, *key)
	go func() {
		n := 0
		for resp := range wch {
			if err := resp.Err(); err != nil && watchCtx.Err() == nil {
				fail("watch: %v", err)
			}
			n += len(resp.Events)
		}
		events <- n
	}()

	end := time.Now().Add(*duration)
	for i := 0; time.Now().Before(end); i++ {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		resp, err := c.Get(ctx, *key)
		cancel()
		if err != nil {
			fail("get %d: %v", i, err)
		}
		if len(resp.Kvs) != 1 {
			fail("get %d: %d keys", i, len(resp.Kvs))
		}
		fmt.Fprintf(out, "%d %d\n", start.UnixNano(), time.Since(start).Microseconds())
	}
	stopWatch()
	fmt.Fprintf(out, "watch %d\ndone\n", <-events)
}

func concurrent(c *clientv3.Client) {
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, *streams)
	for g := 0; g < *streams; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < *requests; i++ {
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				resp, err := c.Get(ctx, *key)
				cancel()
				if err != nil {
					errs <- fmt.Errorf("goroutine %d get %d: %v", g, i, err)
					return
				}
				if len(resp.Kvs) != 1 {
					errs <- fmt.Errorf("goroutine %d get %d: %d keys", g, i, len(resp.Kvs))
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		fail("%v", err)
	}
	fmt.Printf("done %.3f\n", time.Since(start).Seconds())
}
