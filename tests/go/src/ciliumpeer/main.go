// Command ciliumpeer connects to a clustermesh-apiserver the way a Cilium 1.14–1.16 agent
// connects to a remote cluster over mTLS, and reports what it saw:
//
//   - config loaded with etcd's clientv3/yaml from a Cilium-style file (-config)
//   - Maintenance.Status: version >= 3.1.0 (1.14 checkMinVersion), leader == header.member_id
//   - lock session: LeaseGrant TTL 25 s + LeaseKeepAlive stream (>= 2 responses), LeaseRevoke
//   - Get cilium/.has-cluster-config (1.14/1.15) and cilium/cluster-config/<cluster>
//   - paginated list of cilium/state/nodes/v1/<cluster>/ (ascending by key, -limit per page,
//     serializable, later pages at the first page's revision)
//   - watch of that prefix from list revision + 1 (WithRequireLeader); a key written through a
//     second client (-admin-config, e.g. the admin-<cluster> certificate) must arrive
//
// Built in GOPATH mode against Debian's golang-etcd-server-dev (etcd 3.4 clientv3).
// Prints one JSON summary line; exits 1 with a message on the first failure.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/etcd/clientv3"
	clientyaml "go.etcd.io/etcd/clientv3/yaml"
)

var (
	configPath  = flag.String("config", "", "Cilium clustermesh config file (clientv3/yaml)")
	adminConfig = flag.String("admin-config", "", "config file of a client allowed to write")
	cluster     = flag.String("cluster", "cluster1", "remote cluster name")
	limit       = flag.Int64("limit", 256, "page size of the list")
	keepalives  = flag.Int("keepalives", 2, "LeaseKeepAlive responses to wait for")
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "ciliumpeer: "+format+"\n", args...)
	os.Exit(1)
}

func connect(path string) *clientv3.Client {
	cfg, err := clientyaml.NewConfig(path)
	if err != nil {
		fail("config %s: %v", path, err)
	}
	cfg.DialTimeout = 5 * time.Second
	cfg.DialKeepAliveTime = 10 * time.Second
	cfg.DialKeepAliveTimeout = 5 * time.Second
	c, err := clientv3.New(*cfg)
	if err != nil {
		fail("connect %s: %v", path, err)
	}
	return c
}

// atLeast reports whether version string v (e.g. "3.5.21") is >= major.minor.patch.
func atLeast(v string, want [3]int) bool {
	parts := strings.SplitN(strings.SplitN(v, "-", 2)[0], ".", 3)
	for i := 0; i < 3; i++ {
		n := 0
		if i < len(parts) {
			n, _ = strconv.Atoi(parts[i])
		}
		if n != want[i] {
			return n > want[i]
		}
	}
	return true
}

func prefixEnd(p string) string {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return "\x00"
}

func main() {
	flag.Parse()
	cli := connect(*configPath)
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out := map[string]interface{}{}

	// Status per endpoint (1.14/1.15 status checks and version check).
	ep := cli.Endpoints()[0]
	st, err := cli.Status(ctx, ep)
	if err != nil {
		fail("status: %v", err)
	}
	out["version"] = st.Version
	out["version_ok"] = atLeast(st.Version, [3]int{3, 1, 0})
	out["leader_is_member"] = st.Leader != 0 && st.Leader == st.Header.MemberId

	// Lock session: grant + keepalive stream.
	lease, err := cli.Grant(ctx, 25)
	if err != nil {
		fail("lease grant: %v", err)
	}
	out["lease_ttl"] = lease.TTL
	kaCtx, kaCancel := context.WithCancel(ctx)
	kaCh, err := cli.KeepAlive(kaCtx, lease.ID)
	if err != nil {
		fail("keepalive: %v", err)
	}
	kaDone := make(chan []int64, 1)
	go func() {
		ttls := []int64{}
		for r := range kaCh {
			ttls = append(ttls, r.TTL)
			if len(ttls) >= *keepalives {
				break
			}
		}
		kaDone <- ttls
	}()

	// Cluster configuration.
	r, err := cli.Get(ctx, "cilium/.has-cluster-config")
	if err != nil {
		fail("get has-cluster-config: %v", err)
	}
	if len(r.Kvs) == 1 {
		out["has_cluster_config"] = string(r.Kvs[0].Value)
	}
	r, err = cli.Get(ctx, "cilium/cluster-config/"+*cluster)
	if err != nil {
		fail("get cluster-config: %v", err)
	}
	if len(r.Kvs) == 1 {
		var cfg map[string]interface{}
		if err := json.Unmarshal(r.Kvs[0].Value, &cfg); err != nil {
			fail("cluster config is not JSON: %v", err)
		}
		out["cluster_config"] = cfg
	}
	out["cluster_id"] = strconv.FormatUint(r.Header.ClusterId, 10)

	// Paginated list.
	prefix := "cilium/state/nodes/v1/" + *cluster + "/"
	end := prefixEnd(prefix)
	key := prefix
	var listRev int64
	keys := []string{}
	pages := 0
	for {
		opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(*limit),
			clientv3.WithSort(clientv3.SortByKey, clientv3.SortAscend), clientv3.WithSerializable()}
		if listRev != 0 {
			opts = append(opts, clientv3.WithRev(listRev))
		}
		res, err := cli.Get(ctx, key, opts...)
		if err != nil {
			fail("list page %d: %v", pages, err)
		}
		pages++
		if listRev == 0 {
			listRev = res.Header.Revision
			out["list_count"] = res.Count
		}
		for _, kv := range res.Kvs {
			keys = append(keys, string(kv.Key))
		}
		if !res.More || len(res.Kvs) == 0 {
			break
		}
		key = string(res.Kvs[len(res.Kvs)-1].Key) + "\x00"
		if pages > 10000 {
			fail("list does not end")
		}
	}
	out["list_keys"] = keys
	out["list_pages"] = pages

	// Watch from list revision + 1; a write through the admin client must arrive.
	wctx, wcancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer wcancel()
	wch := cli.Watch(wctx, prefix, clientv3.WithPrefix(), clientv3.WithRev(listRev+1))
	events := []string{}
	if *adminConfig != "" {
		admin := connect(*adminConfig)
		defer admin.Close()
		newKey := prefix + "peer-test-node"
		if _, err := admin.Put(ctx, newKey, `{"Name":"peer-test-node","Cluster":"`+*cluster+`"}`); err != nil {
			fail("admin put: %v", err)
		}
		timer := time.After(15 * time.Second)
	loop:
		for {
			select {
			case wr, ok := <-wch:
				if !ok {
					fail("watch channel closed")
				}
				if err := wr.Err(); err != nil {
					fail("watch: %v", err)
				}
				for _, ev := range wr.Events {
					events = append(events, ev.Type.String()+" "+string(ev.Kv.Key))
					if string(ev.Kv.Key) == newKey {
						break loop
					}
				}
			case <-timer:
				fail("no watch event within 15 s (got %v)", events)
			}
		}
	}
	out["watch_events"] = events

	select {
	case ttls := <-kaDone:
		out["keepalive_ttls"] = ttls
	case <-time.After(30 * time.Second):
		fail("fewer than %d keepalive responses in 30 s", *keepalives)
	}
	kaCancel()
	if _, err := cli.Revoke(ctx, lease.ID); err != nil {
		fail("revoke: %v", err)
	}
	_, perr := cli.Put(ctx, prefix+"not-allowed", "x")
	out["put_error"] = fmt.Sprint(perr)
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
}
