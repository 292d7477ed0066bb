#!/usr/bin/env bash
# Regenerates Sources/EtcdProto/Generated/*.pb.swift and Sources/MeshProto/Generated/*.pb.swift
# from proto/.
# Needs protoc (Debian protobuf-compiler) and protoc-gen-swift built from the
# swift-protobuf version named in Package.swift:
#   git clone --branch 1.39.0 https://github.com/apple/swift-protobuf && \
#   (cd swift-protobuf && swift build -c release --product protoc-gen-swift)
# then PROTOC_GEN_SWIFT=<that>/.build/release/protoc-gen-swift scripts/generate-proto.sh
# The normal build never runs this: the generated files are committed.
set -euo pipefail
cd "$(dirname "$0")/.."
plugin="${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || true)}"
[ -x "$plugin" ] || { echo "protoc-gen-swift not found; set PROTOC_GEN_SWIFT" >&2; exit 1; }
out=Sources/EtcdProto/Generated
rm -f "$out"/*.pb.swift
protoc --proto_path=proto \
  --plugin=protoc-gen-swift="$plugin" \
  --swift_opt=Visibility=Public \
  --swift_opt=FileNaming=PathToUnderscores \
  --swift_out="$out" \
  etcd/mvccpb/kv.proto etcd/etcdserverpb/rpc.proto grpc/health/v1/health.proto
echo "generated: $(ls "$out")"
# Cilium's ClusterEndpointSlice (zstd-compressed protobuf values under cilium/state/endpointslices/v1).
mesh=Sources/MeshProto/Generated
mkdir -p "$mesh"
rm -f "$mesh"/*.pb.swift
protoc --proto_path=proto \
  --plugin=protoc-gen-swift="$plugin" \
  --swift_opt=Visibility=Public \
  --swift_opt=FileNaming=PathToUnderscores \
  --swift_out="$mesh" \
  cilium/slim/discovery_v1.proto cilium/clustermesh/endpointslice.proto
echo "generated: $(ls "$mesh")"
