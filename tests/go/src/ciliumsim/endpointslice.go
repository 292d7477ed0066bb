package main

// A reader of Cilium 1.20+ ClusterEndpointSlice values (cilium/state/endpointslices/v1/...),
// independent of the server's encoder: klauspost/compress/zstd (the library Cilium itself uses,
// Debian golang-github-klauspost-compress-dev) with upstream's 16 MiB bound, then protobuf parsed
// by hand from the field numbers in reference/cilium-1.19-plus.md §B.2, then upstream's
// validate() and the remote validators. The result is upstream's transcoder JSON.

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/klauspost/compress/zstd"
)

var zstdDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderMaxMemory(16<<20))

type pbField struct {
	num  int
	wt   int
	v    uint64
	data []byte
}

func pbVarint(b []byte, i int) (uint64, int, error) {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if i >= len(b) {
			return 0, 0, errors.New("truncated varint")
		}
		c := b[i]
		i++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, i, nil
		}
	}
	return 0, 0, errors.New("varint overflow")
}

func pbFields(b []byte) ([]pbField, error) {
	var out []pbField
	for i := 0; i < len(b); {
		tag, j, err := pbVarint(b, i)
		if err != nil {
			return nil, err
		}
		i = j
		f := pbField{num: int(tag >> 3), wt: int(tag & 7)}
		if f.num == 0 {
			return nil, errors.New("field number 0")
		}
		switch f.wt {
		case 0:
			f.v, i, err = pbVarint(b, i)
			if err != nil {
				return nil, err
			}
		case 2:
			n, j, err := pbVarint(b, i)
			if err != nil {
				return nil, err
			}
			if uint64(len(b)-j) < n {
				return nil, errors.New("truncated length-delimited field")
			}
			f.data = b[j : j+int(n)]
			i = j + int(n)
		case 1:
			i += 8
		case 5:
			i += 4
		default:
			return nil, fmt.Errorf("unsupported wire type %d", f.wt)
		}
		if i > len(b) {
			return nil, errors.New("truncated fixed field")
		}
		out = append(out, f)
	}
	return out, nil
}

type orderedField struct {
	k string
	v interface{}
}

// object marshals its fields in order (Go struct order); maps are sorted by encoding/json.
type object []orderedField

func (o object) MarshalJSON() ([]byte, error) {
	var sb strings.Builder
	sb.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			sb.WriteByte(',')
		}
		k, _ := json.Marshal(f.k)
		v, err := json.Marshal(f.v)
		if err != nil {
			return nil, err
		}
		sb.Write(k)
		sb.WriteByte(':')
		sb.Write(v)
	}
	sb.WriteByte('}')
	return []byte(sb.String()), nil
}

func mapEntry(b []byte) (string, string, error) {
	fs, err := pbFields(b)
	if err != nil {
		return "", "", err
	}
	var k, v string
	for _, f := range fs {
		switch f.num {
		case 1:
			k = string(f.data)
		case 2:
			v = string(f.data)
		}
	}
	return k, v, nil
}

type sliceValue struct {
	cluster, namespace, name, addressType string
	clusterID                             uint32
	labels, annotations                   map[string]string
	endpoints                             []object
	addresses                             []string
	ports                                 []object
}

func decodeEndpoint(b []byte, sv *sliceValue) (object, error) {
	fs, err := pbFields(b)
	if err != nil {
		return nil, err
	}
	var addresses []string
	conditions := object{}
	var rest object
	topology := map[string]string{}
	var hostname, nodeName, zone *string
	var hints *object
	for _, f := range fs {
		switch f.num {
		case 1:
			addresses = append(addresses, string(f.data))
		case 2:
			cs, err := pbFields(f.data)
			if err != nil {
				return nil, err
			}
			for _, c := range cs {
				name := map[int]string{1: "ready", 2: "serving", 3: "terminating"}[c.num]
				if name != "" {
					conditions = append(conditions, orderedField{name, c.v != 0})
				}
			}
		case 3:
			s := string(f.data)
			hostname = &s
		case 5:
			k, v, err := mapEntry(f.data)
			if err != nil {
				return nil, err
			}
			topology[k] = v
		case 6:
			s := string(f.data)
			nodeName = &s
		case 7:
			s := string(f.data)
			zone = &s
		case 8:
			hs, err := pbFields(f.data)
			if err != nil {
				return nil, err
			}
			var zones []object
			for _, h := range hs {
				if h.num != 1 {
					continue
				}
				zs, err := pbFields(h.data)
				if err != nil {
					return nil, err
				}
				name := ""
				for _, z := range zs {
					if z.num == 1 {
						name = string(z.data)
					}
				}
				zones = append(zones, object{{"name", name}})
			}
			h := object{}
			if len(zones) > 0 {
				h = object{{"forZones", zones}}
			}
			hints = &h
		}
	}
	sort.SliceStable(conditions, func(i, j int) bool {
		order := map[string]int{"ready": 0, "serving": 1, "terminating": 2}
		return order[conditions[i].k] < order[conditions[j].k]
	})
	var addrs interface{}
	if len(addresses) > 0 {
		addrs = addresses
	}
	out := object{{"addresses", addrs}, {"conditions", conditions}}
	if hostname != nil {
		out = append(out, orderedField{"hostname", *hostname})
	}
	if len(topology) > 0 {
		out = append(out, orderedField{"deprecatedTopology", topology})
	}
	if nodeName != nil {
		out = append(out, orderedField{"nodeName", *nodeName})
	}
	if zone != nil {
		out = append(out, orderedField{"zone", *zone})
	}
	if hints != nil {
		out = append(out, orderedField{"hints", *hints})
	}
	_ = rest
	sv.addresses = append(sv.addresses, addresses...)
	return out, nil
}

func decodePort(b []byte) (object, error) {
	fs, err := pbFields(b)
	if err != nil {
		return nil, err
	}
	out := object{}
	for _, f := range fs {
		switch f.num {
		case 1:
			out = append(out, orderedField{"name", string(f.data)})
		case 2:
			out = append(out, orderedField{"protocol", string(f.data)})
		case 3:
			out = append(out, orderedField{"port", int32(f.v)})
		}
	}
	return out, nil
}

// decodeEndpointSlice reads one stored value for key cilium/state/endpointslices/v1/<cluster>/<ns>/<name>
// and validates it as a Cilium reader does; returns upstream's JSON form.
func decodeEndpointSlice(key string, value []byte, cluster string, clusterID uint32) (string, error) {
	raw, err := zstdDecoder.DecodeAll(value, nil)
	if err != nil {
		return "", fmt.Errorf("zstd: %v", err)
	}
	fs, err := pbFields(raw)
	if err != nil {
		return "", err
	}
	sv := &sliceValue{labels: map[string]string{}, annotations: map[string]string{}}
	for _, f := range fs {
		switch f.num {
		case 1:
			sv.cluster = string(f.data)
		case 2:
			sv.clusterID = uint32(f.v)
		case 3:
			sv.namespace = string(f.data)
		case 4:
			sv.name = string(f.data)
		case 5, 6:
			k, v, err := mapEntry(f.data)
			if err != nil {
				return "", err
			}
			if f.num == 5 {
				sv.labels[k] = v
			} else {
				sv.annotations[k] = v
			}
		case 7:
			sv.addressType = string(f.data)
		case 8:
			ep, err := decodeEndpoint(f.data, sv)
			if err != nil {
				return "", err
			}
			sv.endpoints = append(sv.endpoints, ep)
		case 9:
			p, err := decodePort(f.data)
			if err != nil {
				return "", err
			}
			sv.ports = append(sv.ports, p)
		}
	}
	// Upstream validate().
	switch {
	case sv.cluster == "":
		return "", errors.New("cluster is unset")
	case sv.namespace == "":
		return "", errors.New("namespace is unset")
	case sv.name == "":
		return "", errors.New("name is unset")
	case sv.addressType != "IPv4" && sv.addressType != "IPv6":
		return "", errors.New("address type is invalid")
	}
	for _, a := range sv.addresses {
		addr, err := netip.ParseAddr(a)
		if sv.addressType == "IPv4" && (err != nil || !addr.Is4()) {
			return "", fmt.Errorf("invalid IPv4 endpoint address: %s", a)
		}
		if sv.addressType == "IPv6" && (err != nil || !addr.Is6() || addr.Zone() != "") {
			return "", fmt.Errorf("invalid IPv6 endpoint address: %s", a)
		}
	}
	// The remote reader's validators.
	prefix := "cilium/state/endpointslices/v1/" + cluster + "/"
	if sv.cluster != cluster {
		return "", fmt.Errorf("unexpected cluster name: got %s, expected %s", sv.cluster, cluster)
	}
	if got := sv.namespace + "/" + sv.name; !strings.HasPrefix(key, prefix) || got != key[len(prefix):] {
		return "", fmt.Errorf("namespaced name does not match key: got %s, expected %s", got, strings.TrimPrefix(key, prefix))
	}
	if sv.clusterID != clusterID {
		return "", fmt.Errorf("unexpected cluster ID: got %d, expected %d", sv.clusterID, clusterID)
	}
	out := object{{"cluster", sv.cluster}, {"clusterID", sv.clusterID}, {"namespace", sv.namespace}, {"name", sv.name}}
	if len(sv.labels) > 0 {
		out = append(out, orderedField{"labels", sv.labels})
	}
	if len(sv.annotations) > 0 {
		out = append(out, orderedField{"annotations", sv.annotations})
	}
	out = append(out, orderedField{"addressType", sv.addressType})
	var eps, ports interface{}
	if len(sv.endpoints) > 0 {
		eps = sv.endpoints
	}
	if len(sv.ports) > 0 {
		ports = sv.ports
	}
	out = append(out, orderedField{"endpoints", eps}, orderedField{"ports", ports})
	b, err := json.Marshal(out)
	return string(b), err
}
