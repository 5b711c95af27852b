// swift-tools-version:6.0
// atende: a realtime routing daemon for customer-service chat.
// The import rules of the architecture live here: a target can only import what it depends on.
import PackageDescription

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
        .target(name: "AtendeCore"),
        .target(name: "AtendeStore", dependencies: ["AtendeCore", "CSQLite"]),
        .target(name: "AtendeProtocol", dependencies: ["AtendeCore"]),
        .target(name: "AtendeServer", dependencies: ["AtendeCore", "AtendeStore", "AtendeProtocol", "CCrypt", "CLinux"]),
        .target(name: "AtendeClient", dependencies: ["AtendeProtocol"]),
        .executableTarget(name: "atended", dependencies: ["AtendeServer"]),
        .executableTarget(name: "atendectl", dependencies: ["AtendeClient"]),
        .executableTarget(name: "atende-bench", dependencies: ["AtendeClient", "AtendeCore", "CLinux"],
                          path: "benchmarks/Sources/atende-bench"),
        .testTarget(name: "AtendeCoreTests", dependencies: ["AtendeCore"]),
        .testTarget(name: "AtendeStoreTests", dependencies: ["AtendeStore"]),
        .testTarget(name: "AtendeProtocolTests", dependencies: ["AtendeProtocol"]),
        .testTarget(name: "AtendeServerTests", dependencies: ["AtendeServer", "AtendeClient"]),
    ],
    swiftLanguageModes: [.v6]
)
