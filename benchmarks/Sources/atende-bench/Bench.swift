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
    func startDaemon(_ label: String, durability: String, name: String? = nil) throws -> Atended {
        daemons += 1
        return try Atended.start(binary: atendedPath, directory: directory, name: name ?? "\(label)-\(daemons)",
                                 durability: durability)
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
