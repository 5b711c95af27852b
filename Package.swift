// swift-tools-version:6.0
// atende: a realtime routing daemon for customer-service chat.
// The import rules of the architecture live here: a target can only import what it depends on.
import PackageDescription

// Release builds of the modules on the loop's hot path skip the runtime exclusivity checks (a check on every access
// to a class's stored property); debug builds, which the tests use, keep them, so overlapping accesses are still caught there.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "atende",
    products: [
        .executable(name: "atended", targets: ["atended"]),
        .executable(name: "atendectl", targets: ["atendectl"]),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCrypt", providers: [.apt(["libcrypt-dev"])]),
        .systemLibrary(name: "CLinux"),
        // libpq, for a store in PostgreSQL (`database` given as a postgresql:// URI).
        .systemLibrary(name: "CPostgres", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // The WAL-gathering VFS (C, over the system SQLite).
        .target(name: "CSQLiteWAL", dependencies: ["CSQLite"]),
        .target(name: "AtendeCore", swiftSettings: hotPath),
        .target(name: "AtendeStore", dependencies: ["AtendeCore", "CSQLite", "CSQLiteWAL", "CPostgres", "CLinux"],
                swiftSettings: hotPath),
        .target(name: "AtendeProtocol", dependencies: ["AtendeCore"], swiftSettings: hotPath),
        // Panel/ holds the web panel's static files: atended serves them from disk (see PanelFiles), so they are
        // not compiled or bundled.
        .target(name: "AtendeServer", dependencies: ["AtendeCore", "AtendeStore", "AtendeProtocol", "CCrypt", "CLinux"],
                exclude: ["Panel"], swiftSettings: hotPath),
        .target(name: "AtendeClient", dependencies: ["AtendeProtocol"]),
        .executableTarget(name: "atended", dependencies: ["AtendeServer"]),
        .executableTarget(name: "atendectl", dependencies: ["AtendeClient"]),
        .executableTarget(name: "atende-bench", dependencies: ["AtendeClient", "AtendeCore", "CLinux"],
                          path: "benchmarks/Sources/atende-bench"),
        .testTarget(name: "AtendeCoreTests", dependencies: ["AtendeCore", "AtendeTestSupport"]),
        // What the tests share: a real PostgreSQL (.ci/postgres) and minimal valid images.
        .target(name: "AtendeTestSupport", path: "Tests/Support"),
        .testTarget(name: "AtendeStoreTests", dependencies: ["AtendeStore", "AtendeTestSupport"]),
        .testTarget(name: "AtendeProtocolTests", dependencies: ["AtendeProtocol"]),
        .testTarget(name: "AtendeServerTests", dependencies: ["AtendeServer", "AtendeClient", "AtendeTestSupport"]),
        .testTarget(name: "AtendectlTests", dependencies: ["atendectl"]),
    ],
    swiftLanguageModes: [.v6]
)
