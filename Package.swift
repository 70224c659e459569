// swift-tools-version:6.0
import PackageDescription

/// Strict settings shared by every target: Swift 6 mode plus the upcoming features that keep
/// existentials explicit and imports honest.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "pvd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pvd", targets: ["pvd"]),
        .executable(name: "pvd-server", targets: ["pvd-server"]),
        .executable(name: "pvd-bench", targets: ["pvd-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // The API's CA, serving and client certificates (minted on first start; no openssl).
        .package(url: "https://github.com/apple/swift-certificates", exact: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // Objects, quantities, selectors, validation and the YAML/JSON codec: pure, no I/O.
        .target(
            name: "PVDModel",
            dependencies: [.product(name: "Yams", package: "Yams")],
            // The codec schemas: input to Scripts/generate-codecs.py, not to the compiler.
            exclude: ["Schema"],
            swiftSettings: strict
        ),
        // libmount and libblkid, through pkg-config.
        .systemLibrary(name: "CLibMount", pkgConfig: "mount", providers: [.apt(["libmount-dev"])]),
        .systemLibrary(name: "CLibBlkid", pkgConfig: "blkid", providers: [.apt(["libblkid-dev"])]),
        // The few Linux calls Swift cannot make directly: loop-device ioctls and openat2.
        .target(name: "CLinux"),
        // Volume drivers: hostPath directories and loop-device filesystems, and the kernel
        // surface under them (loop devices, mounts, mkfs, blkid, quotas). Knows objects, never the store.
        .target(
            name: "PVDDrivers",
            dependencies: [
                "PVDModel", "CLinux", "CLibMount", "CLibBlkid",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),
        // The ObjectStore protocol and its SQLite backend.
        .target(
            name: "PVDStore",
            dependencies: [
                "PVDModel", "CLinux",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, for the few statements every write runs (see RawStatement).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The etcd v3 backend of ObjectStore, through etcd's JSON gateway over async-http-client.
        .target(
            name: "PVDEtcd",
            dependencies: [
                "PVDModel", "PVDStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Informer, work queue and the controllers (binder first).
        .target(
            name: "PVDControllers",
            dependencies: [
                "PVDModel", "PVDStore", "PVDDrivers", "PVDAdmission",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The pod runtime: OCI bundles, runc, the offline image store and the node-side
        // controller that runs Pods' containers with their claims mounted.
        .target(
            name: "PVDRuntime",
            dependencies: [
                "PVDModel", "PVDStore", "PVDDrivers", "CLinux",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),
        // The node's environment, shared by the CLI and the daemon: root, store location, node
        // name, allowed roots, busy timeout; the one duration grammar; opening the store and
        // making the drivers from them.
        .target(
            name: "PVDEnvironment",
            dependencies: [
                "PVDModel", "PVDStore", "PVDControllers", "PVDDrivers",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The daemon: informer-driven work loop over the Reconciler, lifecycle, HTTP health and metrics.
        .target(
            name: "PVDServer",
            dependencies: [
                "PVDModel", "PVDStore", "PVDEtcd", "PVDControllers", "PVDDrivers", "PVDEnvironment", "PVDAPI", "PVDRuntime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        // kubectl's tables for each kind (`pvd get` and the API's server-side printing): pure.
        .target(name: "PVDPrinting", dependencies: ["PVDModel"], swiftSettings: strict),
        // The one admission path of every write from a user (`pvd apply`, `pvd patch`, the API):
        // validation, defaulting, the apply merge and the store-aware checks, all or nothing.
        .target(name: "PVDAdmission", dependencies: ["PVDModel", "PVDStore"], swiftSettings: strict),
        // The Kubernetes API kubectl talks to: discovery, REST, watch, tables, TLS, authn, authz.
        // Knows objects and the store, never the drivers.
        .target(
            name: "PVDAPI",
            dependencies: [
                "PVDModel", "PVDStore", "PVDPrinting", "PVDAdmission",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The kubectl-like commands, printers and manifest handling: every command's flags, and
        // the work of all but those needing the networking stack (see LinkedParts).
        .target(
            name: "PVDCLI",
            dependencies: [
                "PVDModel", "PVDStore", "PVDControllers", "PVDEnvironment", "PVDPrinting", "PVDAdmission", "PVDRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // A client of a Kubernetes API server as an ObjectStore, so the CLI's commands drive a
        // remote pvd (`--server`, `--kubeconfig`) through the API as they drive a store.
        .target(
            name: "PVDAPIClient",
            dependencies: [
                "PVDModel", "PVDStore", "PVDEnvironment",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        // The commands' work that needs the daemon, the API's certificates, the etcd client or the API client.
        .target(
            name: "PVDServerCommands",
            dependencies: [
                "PVDCLI", "PVDServer", "PVDAPI", "PVDEtcd", "PVDAPIClient", "PVDStore", "PVDEnvironment",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // `pvd`: the CLI without the networking stack, so it starts in a few milliseconds; it
        // hands `serve`, `kubeconfig` and etcd stores to `pvd-server` beside it.
        // `make release` (static Swift runtime) links pvd at a fixed address (non-PIE): a PIE's
        // ~96k relative relocations dirty ~280 data pages on every start, 1.7 ms of a 6.7 ms
        // `pvd version`. Only there: against the shared Swift runtime of other builds, a non-PIE
        // executable makes the loader warn about protected symbols on every run. pvd-server, the
        // long-running, network-facing daemon, keeps PIE and ASLR. docs/DESIGN.md §5 has the figures.
        .executableTarget(
            name: "pvd", dependencies: ["PVDCLI"], swiftSettings: strict,
            linkerSettings: Context.environment["PVD_FIXED_ADDRESS"] == "1" ? [.unsafeFlags(["-Xclang-linker", "-no-pie"])] : []
        ),
        // `pvd-server`: the same commands with every part linked.
        .executableTarget(name: "pvd-server", dependencies: ["PVDCLI", "PVDServerCommands"], swiftSettings: strict),
        .executableTarget(
            name: "pvd-bench",
            dependencies: [
                "PVDModel", "PVDStore", "PVDEtcd", "PVDControllers", "PVDDrivers", "PVDServer", "PVDRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                // etcd's JSON gateway spoken directly, for the bind benchmark's etcd floor.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                // The API benchmark's client trusts the daemon's own CA.
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "PVDModelTests", dependencies: ["PVDModel"], swiftSettings: strict),
        .testTarget(name: "PVDAdmissionTests", dependencies: ["PVDAdmission", "PVDModel"], swiftSettings: strict),
        .testTarget(name: "PVDDriversTests", dependencies: ["PVDDrivers", "PVDModel", "CLinux"], swiftSettings: strict),
        .testTarget(
            name: "PVDStoreTests",
            dependencies: [
                "PVDStore", "PVDModel", .product(name: "GRDBSQLite", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // The store conformance suite, run against SQLite and a real 3-member etcd started by the
        // tests, and the informer over etcd.
        .testTarget(
            name: "PVDEtcdTests",
            dependencies: [
                "PVDEtcd", "PVDStore", "PVDModel", "PVDControllers", "PVDServer",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "PVDControllersTests",
            dependencies: [
                "PVDControllers", "PVDStore", "PVDModel", "PVDDrivers",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PVDCLITests", dependencies: ["PVDCLI", "PVDStore", "PVDModel", "PVDDrivers", "PVDServer"], swiftSettings: strict),
        .testTarget(name: "PVDServerTests", dependencies: ["PVDServer", "PVDEnvironment", "PVDAPI"], swiftSettings: strict),
        .testTarget(
            name: "PVDAPITests",
            dependencies: [
                "PVDAPI", "PVDAPIClient", "PVDEnvironment", "PVDModel", "PVDStore", "PVDServer", .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "PVDRuntimeTests", dependencies: ["PVDRuntime", "PVDModel", "PVDStore", "PVDDrivers", "CLinux"], swiftSettings: strict),
        .testTarget(name: "PVDEnvironmentTests", dependencies: ["PVDEnvironment", "PVDStore", "PVDEtcd"], swiftSettings: strict),
    ]
)
