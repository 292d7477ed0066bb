// Command cmbench loads Cilium-shaped keys into an etcd v3 server and measures what Cilium does
// against it. Built in GOPATH mode against Debian's golang-etcd-server-dev (etcd 3.4 clientv3).
//
//	cmbench -endpoint E load        [-ips 90000 -nodes 1000 -identities 9000 -writers 32]
//	cmbench -endpoint E list        [-prefix cilium/state/ip/v1/default/ -runs 5 -page 256]
//	cmbench -endpoint E throughput  [-clients 64 -conns 8 -duration 10s -serializable]
//
// Each prints one JSON object on stdout.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/clientv3"
)

var (
	endpoint     = flag.String("endpoint", "127.0.0.1:2379", "server address")
	ips          = flag.Int("ips", 90000, "number of cilium/state/ip/v1/default/ keys")
	nodes        = flag.Int("nodes", 1000, "number of cilium/state/nodes/v1/cluster1/ keys")
	identities   = flag.Int("identities", 9000, "number of cilium/state/identities/v1/id/ keys")
	writers      = flag.Int("writers", 32, "concurrent writers during load")
	prefix       = flag.String("prefix", "cilium/state/ip/v1/default/", "prefix to list")
	runs         = flag.Int("runs", 5, "list runs (median reported)")
	page         = flag.Int64("page", 256, "page size (Cilium uses 256)")
	clients      = flag.Int("clients", 64, "concurrent readers")
	conns        = flag.Int("conns", 8, "connections shared by the readers")
	duration     = flag.Duration("duration", 10*time.Second, "throughput run time")
	serializable = flag.Bool("serializable", false, "serializable reads in the throughput run")
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "cmbench: "+format+"\n", args...)
	os.Exit(1)
}

func newClient() *clientv3.Client {
	c, err := clientv3.New(clientv3.Config{Endpoints: []string{*endpoint}, DialTimeout: 5 * time.Second,
		DialKeepAliveTime: 15 * time.Second, DialKeepAliveTimeout: 25 * time.Second})
	if err != nil {
		fail("connect: %v", err)
	}
	return c
}

func emit(v map[string]interface{}) {
	b, _ := json.Marshal(v)
	fmt.Println(string(b))
}

type kv struct{ key, value string }

func ipKey(i int) string {
	return fmt.Sprintf("cilium/state/ip/v1/default/10.%d.%d.%d", (i>>16)&0xff, (i>>8)&0xff, i&0xff)
}

// dataset builds the keys: IP→identity pairs (~200-byte JSON), nodes (~1 KB JSON), identities.
func dataset() []kv {
	out := make([]kv, 0, *ips+*nodes+*identities)
	for i := 0; i < *ips; i++ {
		ip := ipKey(i)[len("cilium/state/ip/v1/default/"):]
		v := fmt.Sprintf(`{"IP":"%s","Mask":null,"HostIP":"172.18.%d.%d","ID":%d,"Key":0,"Metadata":"",`+
			`"K8sNamespace":"namespace-%04d","K8sPodName":"deployment-%05d-7d9f8b6c5d-%05d"}`,
			ip, (i/250)%256, i%250+1, 65536+i%9000, i%500, i%2000, i)
		out = append(out, kv{ipKey(i), v})
	}
	for i := 0; i < *nodes; i++ {
		name := fmt.Sprintf("node-%05d", i)
		v := fmt.Sprintf(`{"Name":"%s","Cluster":"cluster1","IPAddresses":[{"Type":"InternalIP","IP":"172.18.%d.%d"},`+
			`{"Type":"CiliumInternalIP","IP":"10.%d.%d.1"}],"IPv4AllocCIDR":{"IP":"10.%d.%d.0","Mask":"////AA=="},`+
			`"IPv4SecondaryAllocCIDRs":null,"IPv6AllocCIDR":null,"IPv6SecondaryAllocCIDRs":null,"IPv4HealthIP":"10.%d.%d.2",`+
			`"IPv6HealthIP":"","IPv4IngressIP":"","IPv6IngressIP":"","ClusterID":1,"Source":"custom-resource",`+
			`"EncryptionKey":0,"Labels":{"kubernetes.io/arch":"amd64","kubernetes.io/hostname":"%s",`+
			`"kubernetes.io/os":"linux","node.kubernetes.io/instance-type":"m5.xlarge",`+
			`"topology.kubernetes.io/region":"eu-west-1","topology.kubernetes.io/zone":"eu-west-1a"},`+
			`"Annotations":{"network.cilium.io/wg-pub-key":"%s"},"NodeIdentity":0,"WireguardPubKey":"%s",`+
			`"BootID":"570d3fd1-93db-4862-ba99-%012d"}`,
			name, i/250, i%250+1, i/256, i%256, i/256, i%256, i/256, i%256, name,
			strings.Repeat("Q", 43)+"=", strings.Repeat("Q", 43)+"=", i)
		out = append(out, kv{"cilium/state/nodes/v1/cluster1/" + name, v})
	}
	for i := 0; i < *identities; i++ {
		v := fmt.Sprintf("k8s:app=app-%05d;k8s:io.cilium.k8s.policy.cluster=cluster1;"+
			"k8s:io.cilium.k8s.policy.serviceaccount=default;k8s:io.kubernetes.pod.namespace=namespace-%04d;", i, i%500)
		out = append(out, kv{fmt.Sprintf("cilium/state/identities/v1/id/%d", 65536+i), v})
	}
	return out
}

func runLoad() {
	data := dataset()
	c := newClient()
	defer c.Close()
	var next int64 = -1
	var bytes int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < *writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := atomic.AddInt64(&next, 1)
				if i >= int64(len(data)) {
					return
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				_, err := c.Put(ctx, data[i].key, data[i].value)
				cancel()
				if err != nil {
					fail("put %s: %v", data[i].key, err)
				}
				atomic.AddInt64(&bytes, int64(len(data[i].key)+len(data[i].value)))
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	emit(map[string]interface{}{"phase": "load", "keys": len(data), "bytes": bytes, "seconds": el.Seconds(),
		"puts_per_second": float64(len(data)) / el.Seconds()})
}

// paginatedList lists prefix exactly like Cilium's paginated list (pkg/kvstore/etcd.go).
func paginatedList(c *clientv3.Client) (int, time.Duration) {
	start := time.Now()
	key := *prefix
	end := clientv3.GetPrefixRangeEnd(*prefix)
	var rev int64
	total := 0
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		res, err := c.Get(ctx, key, clientv3.WithRange(end), clientv3.WithSort(clientv3.SortByKey, clientv3.SortAscend),
			clientv3.WithRev(rev), clientv3.WithSerializable(), clientv3.WithLimit(*page))
		cancel()
		if err != nil {
			fail("list: %v", err)
		}
		if rev == 0 {
			rev = res.Header.Revision
		}
		total += len(res.Kvs)
		if !res.More || len(res.Kvs) == 0 {
			break
		}
		key = string(res.Kvs[len(res.Kvs)-1].Key) + "\x00"
	}
	return total, time.Since(start)
}

func runList() {
	c := newClient()
	defer c.Close()
	paginatedList(c) // warm-up (connection, caches)
	var times []float64
	n := 0
	for i := 0; i < *runs; i++ {
		cnt, el := paginatedList(c)
		n = cnt
		times = append(times, el.Seconds()*1000)
	}
	sorted := append([]float64(nil), times...)
	sort.Float64s(sorted)
	emit(map[string]interface{}{"phase": "list", "keys": n, "runs_ms": times, "median_ms": sorted[len(sorted)/2]})
}

func runThroughput() {
	cs := make([]*clientv3.Client, *conns)
	for i := range cs {
		cs[i] = newClient()
		defer cs[i].Close()
	}
	var ops, errs int64
	var lat []time.Duration
	var latMu sync.Mutex
	deadline := time.Now().Add(*duration)
	var wg sync.WaitGroup
	for g := 0; g < *clients; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(g)))
			c := cs[g%len(cs)]
			var local []time.Duration
			for time.Now().Before(deadline) {
				k := ipKey(rng.Intn(*ips))
				opts := []clientv3.OpOption{}
				if *serializable {
					opts = append(opts, clientv3.WithSerializable())
				}
				t := time.Now()
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				r, err := c.Get(ctx, k, opts...)
				cancel()
				if err != nil || len(r.Kvs) != 1 {
					atomic.AddInt64(&errs, 1)
					continue
				}
				if len(local) < 200000 {
					local = append(local, time.Since(t))
				}
				atomic.AddInt64(&ops, 1)
			}
			latMu.Lock()
			lat = append(lat, local...)
			latMu.Unlock()
		}(g)
	}
	wg.Wait()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000
	}
	emit(map[string]interface{}{"phase": "throughput", "serializable": *serializable, "ops": ops, "errors": errs,
		"ops_per_second": float64(ops) / duration.Seconds(), "p50_ms": pct(0.5), "p99_ms": pct(0.99)})
	if errs > 0 {
		fail("throughput: %d errors", errs)
	}
}

func main() {
	flag.Parse()
	if flag.NArg() != 1 {
		fail("usage: cmbench [flags] load|list|throughput")
	}
	switch flag.Arg(0) {
	case "load":
		runLoad()
	case "list":
		runList()
	case "throughput":
		runThroughput()
	default:
		fail("unknown command %q", flag.Arg(0))
	}
}
