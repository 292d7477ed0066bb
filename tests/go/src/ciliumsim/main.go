// Command ciliumsim is a simulated Cilium clustermesh peer (agent side) written with clientv3,
// doing what reference/cilium-clustermesh.md §2.3 and §2.5 describe:
//
//  1. list-watch cilium/.heartbeat (the connection counts as established after the first list);
//  2. Get cilium/cluster-config/<C> (retried until present);
//  3. list-watch cilium/synced/<C>/ and, when the canary of a prefix appears, list-watch that
//     prefix: cilium/state/nodes/v1/<C>/, cilium/state/services/v1/<C>/,
//     cilium/state/ip/v1/default/, cilium/state/identities/v1/id (no trailing slash), and, as a
//     1.20+ agent does when the cluster config advertises endpointSlicesExportMode,
//     cilium/state/endpointslices/v1/<C>/ (values decoded and validated by endpointslice.go;
//     invalid ones are reported as {"ev":"invalid"} and skipped). A store the remote does not
//     export (services with "endpointslices-only", endpoint slices without the capability)
//     is not watched and counts as synced, as Cilium "pretends synced";
//  4. lists are paginated (limit 256, sorted by key, key = lastKey+"\x00", revision of the first
//     page); watches start at listRevision+1 with WithRequireLeader and WithPrefix;
//     nextRev = header.revision+1 after each response;
//  5. a watch error (ErrCompacted, canceled, ...) triggers a relist of the prefix with
//     synthetic deletes for keys not seen again; a watch channel closed without error is
//     re-opened from nextRev after 50 ms;
//  6. the first header.cluster_id is latched; a different one restarts the whole client (new
//     connection, every store relisted and drained, state kept), as Cilium's interceptor and
//     watchdog do (-cluster-id-check=false: 1.14 behaviour, only ErrCompacted relists).
//
// Output: one JSON object per line on stdout, fields "ev" and "t_ns" (wall clock):
//
//	{"ev":"cluster_id","id":..}     {"ev":"cluster_id_changed","old":..,"new":..}
//	{"ev":"connected","session":n}  {"ev":"config","value":".."}
//	{"ev":"listed","store":s,"count":n,"rev":r,"relist":bool,"session":n}
//	{"ev":"event","store":s,"src":"watch"|"list","type":"create"|"modify"|"delete","key":k,"value":v,"rev":r}
//	{"ev":"watch_error","store":s,"error":..,"compact_revision":r}
//	{"ev":"ready","session":n}      (every data store listed after its canary)
//	{"ev":"dump","stores":{name:{key:value}}}   (after the line "dump" on stdin)
//
// Events from a relist are emitted only for keys whose value changed (or that vanished).
//
// -mode list -prefix P: one paginated list of P, prints {"keys":..,"bytes":..,"pages":..,"seconds":..}.
//
// Built in GOPATH mode against Debian's golang-etcd-server-dev (etcd 3.4 clientv3).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"

	"go.etcd.io/etcd/clientv3"
	"go.etcd.io/etcd/mvcc/mvccpb"
)

var (
	endpoint = flag.String("endpoint", "127.0.0.1:2379", "server address")
	cluster  = flag.String("cluster", "cluster1", "remote cluster name")
	limit    = flag.Int64("limit", 256, "list page size")
	mode     = flag.String("mode", "sim", "sim | list")
	prefix   = flag.String("prefix", "cilium/", "prefix (mode list)")
	idCheck  = flag.Bool("cluster-id-check", true,
		"restart the client when header.cluster_id changes (1.15+); false: rely on ErrCompacted relists (1.14)")
)

var outMu sync.Mutex

func emit(m map[string]interface{}) {
	m["t_ns"] = time.Now().UnixNano()
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	outMu.Lock()
	os.Stdout.Write(append(b, '\n'))
	outMu.Unlock()
}

// store is the state of one list-watched prefix; it survives client restarts.
type store struct {
	name   string
	prefix string
	canary string // the cilium/synced/<C>/... key that gates it ("" = none)
	data   bool   // a data store (counts for readiness)
	mu     sync.Mutex
	known  map[string]string
	// decode turns a stored value into the text kept and reported (nil: the bytes as they are).
	decode func(key string, value []byte) (string, error)
}

func (s *store) text(kv *mvccpb.KeyValue) (string, bool) {
	if s.decode == nil {
		return string(kv.Value), true
	}
	v, err := s.decode(string(kv.Key), kv.Value)
	if err != nil {
		emit(map[string]interface{}{"ev": "invalid", "store": s.name, "key": string(kv.Key), "error": err.Error()})
		return "", false
	}
	return v, true
}

func newStore(name, prefix, canary string, data bool) *store {
	return &store{name: name, prefix: prefix, canary: canary, data: data, known: map[string]string{}}
}

func (s *store) reconcile(kvs []*mvccpb.KeyValue, rev int64, relist bool, session int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := make(map[string]bool, len(kvs))
	for _, kv := range kvs {
		k := string(kv.Key)
		v, ok := s.text(kv)
		if !ok {
			continue
		}
		seen[k] = true
		old, ok := s.known[k]
		if ok && old == v {
			continue
		}
		typ := "create"
		if ok {
			typ = "modify"
		}
		s.known[k] = v
		emit(map[string]interface{}{"ev": "event", "store": s.name, "src": "list", "type": typ, "key": k, "value": v,
			"rev": kv.ModRevision})
	}
	var stale []string
	for k := range s.known {
		if !seen[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(stale)
	for _, k := range stale {
		delete(s.known, k)
		emit(map[string]interface{}{"ev": "event", "store": s.name, "src": "list", "type": "delete", "key": k, "value": "",
			"rev": rev})
	}
	emit(map[string]interface{}{"ev": "listed", "store": s.name, "count": len(kvs), "rev": rev, "relist": relist,
		"session": session})
}

func (s *store) apply(ev *clientv3.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := string(ev.Kv.Key)
	if ev.Type == mvccpb.DELETE {
		delete(s.known, k)
		emit(map[string]interface{}{"ev": "event", "store": s.name, "src": "watch", "type": "delete", "key": k,
			"value": "", "rev": ev.Kv.ModRevision})
		return
	}
	typ := "modify"
	if ev.Kv.CreateRevision == ev.Kv.ModRevision {
		typ = "create"
	}
	v, ok := s.text(ev.Kv)
	if !ok {
		return
	}
	s.known[k] = v
	emit(map[string]interface{}{"ev": "event", "store": s.name, "src": "watch", "type": typ, "key": k,
		"value": v, "rev": ev.Kv.ModRevision})
}

func (s *store) snapshot() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.known))
	for k, v := range s.known {
		out[k] = v
	}
	return out
}

// session is one client connection (Cilium's remote cluster connection).
type session struct {
	n         int
	cli       *clientv3.Client
	ctx       context.Context
	cancel    context.CancelFunc
	mu        sync.Mutex
	clusterID uint64
	started   map[string]bool
	listed    map[string]bool
	ready     bool
}

func (se *session) checkClusterID(id uint64) {
	se.mu.Lock()
	defer se.mu.Unlock()
	if se.clusterID == 0 {
		se.clusterID = id
		emit(map[string]interface{}{"ev": "cluster_id", "id": id, "session": se.n})
		return
	}
	if id != se.clusterID && *idCheck && se.ctx.Err() == nil {
		emit(map[string]interface{}{"ev": "cluster_id_changed", "old": se.clusterID, "new": id, "session": se.n})
		se.cancel()
	}
}

func (se *session) paginatedList(p string) ([]*mvccpb.KeyValue, int64, error) {
	var kvs []*mvccpb.KeyValue
	var rev int64
	key, end := p, clientv3.GetPrefixRangeEnd(p)
	for {
		opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithSort(clientv3.SortByKey, clientv3.SortAscend),
			clientv3.WithLimit(*limit)}
		if rev != 0 {
			opts = append(opts, clientv3.WithRev(rev))
		}
		ctx, cancel := context.WithTimeout(se.ctx, 30*time.Second)
		resp, err := se.cli.Get(ctx, key, opts...)
		cancel()
		if err != nil {
			return nil, 0, err
		}
		se.checkClusterID(resp.Header.ClusterId)
		if rev == 0 {
			rev = resp.Header.Revision
		}
		kvs = append(kvs, resp.Kvs...)
		if !resp.More || len(resp.Kvs) == 0 {
			return kvs, rev, nil
		}
		key = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
}

// listAndWatch runs until the session ends; onListed is called after the first list.
func (se *session) listAndWatch(s *store, onListed func(), onEvent func(*clientv3.Event)) {
	first := true
	backoff := 50 * time.Millisecond
	for se.ctx.Err() == nil {
		kvs, rev, err := se.paginatedList(s.prefix)
		if err != nil {
			if se.ctx.Err() != nil {
				return
			}
			emit(map[string]interface{}{"ev": "list_error", "store": s.name, "error": err.Error()})
			time.Sleep(backoff)
			if backoff < time.Second {
				backoff *= 2
			}
			continue
		}
		backoff = 50 * time.Millisecond
		s.reconcile(kvs, rev, !first, se.n)
		if onEvent != nil {
			for _, kv := range kvs {
				onEvent(&clientv3.Event{Type: mvccpb.PUT, Kv: kv})
			}
		}
		if first {
			first = false
			if onListed != nil {
				onListed()
			}
		}
		nextRev := rev + 1
		for se.ctx.Err() == nil {
			wctx, wcancel := context.WithCancel(clientv3.WithRequireLeader(se.ctx))
			wch := se.cli.Watch(wctx, s.prefix, clientv3.WithPrefix(), clientv3.WithRev(nextRev))
			relist := false
			for resp := range wch {
				if resp.Header.ClusterId != 0 {
					se.checkClusterID(resp.Header.ClusterId)
				}
				if err := resp.Err(); err != nil {
					if se.ctx.Err() == nil {
						emit(map[string]interface{}{"ev": "watch_error", "store": s.name, "error": err.Error(),
							"compact_revision": resp.CompactRevision})
					}
					relist = true
					break
				}
				for _, ev := range resp.Events {
					s.apply(ev)
					if onEvent != nil {
						onEvent(ev)
					}
				}
				if resp.Header.Revision > 0 {
					nextRev = resp.Header.Revision + 1
				}
			}
			wcancel()
			if relist {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

type sim struct {
	heartbeat *store
	synced    *store
	data      []*store
	session   *session
	sessMu    sync.Mutex
}

func (sm *sim) run(n int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:            []string{*endpoint},
		DialKeepAliveTime:    15 * time.Second,
		DialKeepAliveTimeout: 25 * time.Second,
	})
	if err != nil {
		emit(map[string]interface{}{"ev": "client_error", "error": err.Error()})
		time.Sleep(time.Second)
		return
	}
	defer cli.Close()
	se := &session{n: n, cli: cli, ctx: ctx, cancel: cancel, started: map[string]bool{}, listed: map[string]bool{}}
	sm.sessMu.Lock()
	sm.session = se
	sm.sessMu.Unlock()

	connected := make(chan struct{})
	go se.listAndWatch(sm.heartbeat, func() { close(connected) }, nil)
	select {
	case <-connected:
	case <-ctx.Done():
		return
	}
	emit(map[string]interface{}{"ev": "connected", "session": n})
	var config struct {
		ID           uint32 `json:"id"`
		Capabilities struct {
			EndpointSlicesExportMode string `json:"endpointSlicesExportMode"`
		} `json:"capabilities"`
	}
	for ctx.Err() == nil {
		gctx, gcancel := context.WithTimeout(ctx, 10*time.Second)
		resp, err := cli.Get(gctx, "cilium/cluster-config/"+*cluster)
		gcancel()
		if err == nil {
			se.checkClusterID(resp.Header.ClusterId)
			if len(resp.Kvs) > 0 {
				emit(map[string]interface{}{"ev": "config", "value": string(resp.Kvs[0].Value), "session": n})
				_ = json.Unmarshal(resp.Kvs[0].Value, &config)
				break
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	mode := config.Capabilities.EndpointSlicesExportMode
	exported := map[string]bool{"services": mode != "endpointslices-only", "endpointslices": mode != ""}
	markListed := func(name string) {
		se.mu.Lock()
		se.listed[name] = true
		all := len(se.listed) == len(sm.data) && !se.ready
		if all {
			se.ready = true
		}
		se.mu.Unlock()
		if all {
			emit(map[string]interface{}{"ev": "ready", "session": n})
		}
	}
	for _, s := range sm.data {
		if s.name == "endpointslices" {
			id := config.ID
			s.decode = func(key string, value []byte) (string, error) {
				return decodeEndpointSlice(key, value, *cluster, id)
			}
		}
		if ok, known := exported[s.name]; known && !ok {
			// Not exported by the remote: drained and synced at once.
			s.reconcile(nil, 0, false, n)
			emit(map[string]interface{}{"ev": "disabled", "store": s.name, "session": n})
			se.mu.Lock()
			se.started[s.name] = true
			se.mu.Unlock()
			markListed(s.name)
		}
	}
	startData := func(ev *clientv3.Event) {
		if ev.Type != mvccpb.PUT {
			return
		}
		for _, s := range sm.data {
			s := s
			if string(ev.Kv.Key) != s.canary {
				continue
			}
			se.mu.Lock()
			already := se.started[s.name]
			se.started[s.name] = true
			se.mu.Unlock()
			if already {
				continue
			}
			go se.listAndWatch(s, func() { markListed(s.name) }, nil)
		}
	}
	go se.listAndWatch(sm.synced, nil, startData)
	<-ctx.Done()
}

func (sm *sim) dump() {
	stores := map[string]interface{}{}
	for _, s := range append([]*store{sm.heartbeat, sm.synced}, sm.data...) {
		stores[s.name] = s.snapshot()
	}
	emit(map[string]interface{}{"ev": "dump", "stores": stores})
}

func listMode() {
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{*endpoint}, DialTimeout: 5 * time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ciliumsim:", err)
		os.Exit(1)
	}
	defer cli.Close()
	se := &session{cli: cli, ctx: context.Background(), cancel: func() {}}
	se.clusterID = 1 // do not latch/print
	start := time.Now()
	var kvs []*mvccpb.KeyValue
	var rev int64
	pages := 0
	key, end := *prefix, clientv3.GetPrefixRangeEnd(*prefix)
	for {
		opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithSort(clientv3.SortByKey, clientv3.SortAscend),
			clientv3.WithLimit(*limit)}
		if rev != 0 {
			opts = append(opts, clientv3.WithRev(rev))
		}
		resp, err := cli.Get(context.Background(), key, opts...)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ciliumsim:", err)
			os.Exit(1)
		}
		pages++
		if rev == 0 {
			rev = resp.Header.Revision
		}
		kvs = append(kvs, resp.Kvs...)
		if !resp.More || len(resp.Kvs) == 0 {
			break
		}
		key = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
	secs := time.Since(start).Seconds()
	bytes := 0
	for _, kv := range kvs {
		bytes += len(kv.Key) + len(kv.Value)
	}
	b, _ := json.Marshal(map[string]interface{}{"keys": len(kvs), "bytes": bytes, "pages": pages, "seconds": secs,
		"revision": rev})
	fmt.Println(string(b))
}

func main() {
	flag.Parse()
	if *mode == "list" {
		listMode()
		return
	}
	c := *cluster
	sm := &sim{
		heartbeat: newStore("heartbeat", "cilium/.heartbeat", "", false),
		synced:    newStore("synced", "cilium/synced/"+c+"/", "", false),
		data: []*store{
			newStore("nodes", "cilium/state/nodes/v1/"+c+"/", "cilium/synced/"+c+"/cilium/state/nodes/v1", true),
			newStore("services", "cilium/state/services/v1/"+c+"/", "cilium/synced/"+c+"/cilium/state/services/v1", true),
			newStore("identities", "cilium/state/identities/v1/id", "cilium/synced/"+c+"/cilium/state/identities/v1", true),
			newStore("ip", "cilium/state/ip/v1/default/", "cilium/synced/"+c+"/cilium/state/ip/v1", true),
			newStore("endpointslices", "cilium/state/endpointslices/v1/"+c+"/",
				"cilium/synced/"+c+"/cilium/state/endpointslices/v1", true),
		},
	}
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			if sc.Text() == "dump" {
				sm.dump()
			}
		}
	}()
	for n := 1; ; n++ {
		sm.run(n)
		time.Sleep(100 * time.Millisecond)
	}
}
