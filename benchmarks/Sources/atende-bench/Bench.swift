// Bench: what every scenario shares: the plan, the report, the run's temporary folder and the way to start a
// fresh atended in it. Each scenario starts its own daemon on its own database, so one scenario's data never
// changes another's numbers.

import AtendeProtocol
import Foundation
import Glibc

/// The state of one benchmark run.
final class Bench {
    let plan: Plan
    let report = Report()
    let atendedPath: String
    /// This executable (the echo server is one of its modes).
    let selfPath: String
    let directory: String
    var machine = Machine.current()
    private var daemons = 0

    init(plan: Plan, atendedPath: String) throws {
        self.plan = plan
        self.atendedPath = atendedPath
        selfPath = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        var template = Array("/tmp/atende-bench-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw BenchError("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        directory = String(cString: made)
    }

    /// Starts a fresh atended (a new database unless `name` is reused).
    /// `web`: also serve the panel's WebSocket on a free local port (`Atended.webSocketURL`).
    /// `database`: this file or postgresql:// URI instead of a fresh one; `waits` false: do not wait for it to
    /// serve (a standby).
    func startDaemon(_ label: String, durability: String, name: String? = nil, web: Bool = false,
                     database: String? = nil, waits: Bool = true) throws -> Atended {
        daemons += 1
        return try Atended.start(binary: atendedPath, directory: directory, name: name ?? "\(label)-\(daemons)",
                                 durability: durability, webPort: web ? try Self.freePort() : nil,
                                 database: database, waits: waits)
    }

    /// A TCP port on 127.0.0.1 that nothing listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw -> Int32 in
                guard bind(fd, raw, length) == 0 else { return -1 }
                return getsockname(fd, raw, &length)
            }
        }
        guard bound == 0 else { throw BenchError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Removes the temporary folder.
    func cleanUp() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// What the run ran on.
struct Machine {
    var cpu: String
    var cores: Int
    var memoryGiB: Double
    var kernel: String
    var toolchain: String
    var redis: String = ""

    static func current() -> Machine {
        let cpuinfo = ProcFile.read("/proc/cpuinfo") ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) }
        let meminfo = ProcFile.read("/proc/meminfo") ?? ""
        let kib = meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal:") }
            .map { Double(String($0.filter(\.isNumber))) ?? 0 } ?? 0
        var name = utsname()
        uname(&name)
        let release = withUnsafeBytes(of: &name.release) {
            String(cString: $0.bindMemory(to: CChar.self).baseAddress!)
        }
        let environment = ProcessInfo.processInfo.environment
        return Machine(cpu: model ?? "unknown", cores: Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))),
                       memoryGiB: kib / 1_048_576, kernel: "Linux " + release,
                       toolchain: environment["ATENDE_BENCH_TOOLCHAIN"] ?? "")
    }

    var summary: String {
        "\(cpu), \(cores) cores, \(Format.fixed(memoryGiB, 0)) GiB, \(kernel)"
            + (toolchain.isEmpty ? "" : ", \(toolchain)") + (redis.isEmpty ? "" : ", \(redis)")
    }

    func write(_ w: inout JSONWriter) {
        w.beginObject()
        w.field("cpu", cpu)
        w.field("cores", cores)
        w.field("memoryGiB", (memoryGiB * 10).rounded() / 10)
        w.field("kernel", kernel)
        w.field("toolchain", toolchain)
        w.field("redis", redis)
        w.endObject()
    }
}
