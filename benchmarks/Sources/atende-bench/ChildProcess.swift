// ChildProcess: starts and stops the programs a benchmark measures (atended, redis-server, the echo server,
// redis-benchmark) with posix_spawn, and reads what the kernel knows about them from /proc: resident memory, and
// CPU time of the whole process or of one thread (schedstat, in nanoseconds, which is precise enough to divide
// by a few thousand assignments; utime/stime tick at 10 ms).

import Glibc

/// A started program.
final class ChildProcess {
    /// Its process id.
    let pid: pid_t
    /// What it is, for messages.
    let name: String
    private(set) var exitStatus: Int32?

    private init(pid: pid_t, name: String) {
        self.pid = pid
        self.name = name
    }

    /// Starts `path` with `arguments`; stdout and stderr go to `logPath` (appended), stdin is /dev/null.
    static func start(_ path: String, _ arguments: [String], logPath: String, stdoutPath: String? = nil)
        throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath ?? logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard result == 0 else {
            throw BenchError("cannot start \(path): \(String(cString: strerror(result)))")
        }
        return ChildProcess(pid: pid, name: String(path.split(separator: "/").last ?? Substring(path)))
    }

    /// True while the process has not exited.
    var isRunning: Bool {
        if exitStatus != nil { return false }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid {
            exitStatus = status
            return false
        }
        return result == 0
    }

    /// Waits up to `seconds` for the process to exit; true when it did.
    @discardableResult
    func wait(seconds: Double) -> Bool {
        let deadline = monotonicSeconds() + seconds
        while isRunning {
            if monotonicSeconds() > deadline { return false }
            usleep(2000)
        }
        return true
    }

    /// SIGTERM, then SIGKILL after `grace` seconds; waits for the exit.
    func stop(grace: Double = 20) {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        if !wait(seconds: grace) {
            Console.warn("\(name) (pid \(pid)) did not stop in \(Int(grace)) s; killing it")
            kill(pid, SIGKILL)
            wait(seconds: 5)
        }
    }

    /// Resident memory in bytes (VmRSS), 0 when unknown.
    var residentBytes: Int {
        guard let status = ProcFile.read("/proc/\(pid)/status") else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let digits = line.dropFirst(6).filter(\.isNumber)
            return (Int(String(digits)) ?? 0) * 1024
        }
        return 0
    }

    /// CPU time of the main thread (the daemon's event loop) in seconds, from schedstat.
    var mainThreadCPUSeconds: Double {
        guard let text = ProcFile.read("/proc/\(pid)/task/\(pid)/schedstat"),
              let first = text.split(separator: " ").first, let nanos = Double(first) else { return 0 }
        return nanos / 1e9
    }

    /// CPU time of every thread, user plus system, in seconds (10 ms ticks).
    var processCPUSeconds: Double {
        guard let text = ProcFile.read("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command: state is field 3, utime field 14, stime field 15 (1-based, per proc(5)).
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

/// The generator's own CPU time, to show whether it, rather than the daemon, was the limit.
enum GeneratorCPU {
    /// User plus system seconds of this process so far.
    static var seconds: Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }
}

/// Small file reads that work on /proc, whose files report a size of 0.
enum ProcFile {
    /// The whole file as text, nil when it cannot be read.
    static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes text to a file, replacing it.
    static func write(_ path: String, _ text: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BenchError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            guard written > 0 else { throw BenchError("cannot write \(path): \(String(cString: strerror(errno)))") }
            offset += written
        }
    }

    /// Size of a file in bytes (0 when missing).
    static func size(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }
}
