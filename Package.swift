// swift-tools-version:6.0
import PackageDescription

// Dependency direction (enforced here: a target lists only what it may use):
//   codecs:   HPACK → HTTP2;  HTTP1;  CZlib → GRPCWire          (pure, no I/O, no Dispatch)
//   store:    MVCC                                             (no protocol knowledge)
//   API:      EtcdProto, MVCC, GRPCWire → EtcdAPI              (never touches a socket)
//   TLS:      COpenSSL → TLS (memory-BIO engine; only TLS imports COpenSSL)
//   kube:     Sockets, TLS, HTTP1 → KubeClient;  Mesh, KubeClient, Yams → MeshSources
//   mesh:     MVCC, MeshProto (generated ClusterEndpointSlice), CZstd → Mesh
//             Mesh, MVCC, TLS (SHA-256 only), EtcdClient → KVStoreMesh (remote clusters → cache; no syscalls of its own)
//   I/O:      Sockets                                          (syscalls, Dispatch)
//   client:   Sockets, TLS, HTTP2, HPACK, GRPCWire, EtcdProto, Yams → EtcdClient (etcd v3 client)
//   assembly: Server (everything above), Mesh (MVCC writer API), executable.

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "clustermesh-apiserver",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "clustermesh-apiserver", targets: ["clustermesh-apiserver"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "TLS", dependencies: ["COpenSSL"], swiftSettings: swiftSettings),
        .target(name: "HPACK", swiftSettings: swiftSettings),
        .target(name: "HTTP1", swiftSettings: swiftSettings),
        .target(name: "HTTP2", dependencies: ["HPACK"], swiftSettings: swiftSettings),
        .target(name: "GRPCWire", dependencies: ["CZlib"], swiftSettings: swiftSettings),
        .target(
            name: "EtcdProto",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(name: "MVCC", swiftSettings: swiftSettings),
        .target(
            name: "EtcdAPI",
            dependencies: [
                "MVCC", "EtcdProto", "GRPCWire",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        .systemLibrary(name: "CEpoll"),
        .target(name: "Sockets", dependencies: ["CEpoll"], swiftSettings: swiftSettings),
        .target(
            name: "MeshProto",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Mesh",
            dependencies: ["MVCC", "MeshProto", "CZstd", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KVStoreMesh",
            dependencies: ["Mesh", "MVCC", "TLS", "EtcdClient", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(name: "KubeClient", dependencies: ["Sockets", "TLS", "HTTP1"], swiftSettings: swiftSettings),
        .target(
            name: "MeshSources",
            dependencies: ["Mesh", "MVCC", "KubeClient", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Server",
            dependencies: [
                "Sockets", "TLS", "HTTP1", "HTTP2", "HPACK", "GRPCWire", "EtcdAPI", "EtcdProto", "MVCC",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EtcdClient",
            dependencies: [
                "Sockets", "TLS", "HTTP2", "HPACK", "GRPCWire", "EtcdProto",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "clustermesh-apiserver",
            dependencies: [
                "Server", "Mesh", "MeshSources", "MVCC", "EtcdAPI", "TLS", "Sockets", "KubeClient", "EtcdClient", "GRPCWire",
                "KVStoreMesh",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "TLSTests", dependencies: ["TLS"], swiftSettings: swiftSettings),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1"], swiftSettings: swiftSettings),
        .testTarget(name: "HPACKTests", dependencies: ["HPACK"], swiftSettings: swiftSettings),
        .testTarget(name: "HTTP2Tests", dependencies: ["HTTP2", "HPACK"], swiftSettings: swiftSettings),
        .testTarget(name: "GRPCWireTests", dependencies: ["GRPCWire"], swiftSettings: swiftSettings),
        .testTarget(name: "MVCCTests", dependencies: ["MVCC"], swiftSettings: swiftSettings),
        .testTarget(
            name: "EtcdAPITests",
            dependencies: ["EtcdAPI", "EtcdProto", "MVCC", "GRPCWire"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "MeshTests", dependencies: ["Mesh", "MVCC"], swiftSettings: swiftSettings),
        .testTarget(name: "KubeClientTests", dependencies: ["KubeClient", "Sockets", "HTTP1"], swiftSettings: swiftSettings),
        .testTarget(
            name: "EtcdClientTests",
            dependencies: [
                "EtcdClient", "Server", "EtcdAPI", "EtcdProto", "MVCC", "TLS", "Sockets", "GRPCWire", "HTTP2", "HPACK",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "MeshSourcesTests", dependencies: ["MeshSources", "Mesh", "MVCC"], swiftSettings: swiftSettings),
        .testTarget(name: "KVStoreMeshTests", dependencies: ["KVStoreMesh", "Mesh", "MVCC", "TLS"], swiftSettings: swiftSettings),
        .testTarget(name: "SocketsTests", dependencies: ["Sockets"], swiftSettings: swiftSettings),
    ]
)
