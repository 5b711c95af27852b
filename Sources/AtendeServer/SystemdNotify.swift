// SystemdNotify: the sd_notify datagram protocol, spoken directly (no libsystemd): "READY=1", "STATUS=...",
// "STOPPING=1", "RELOADING=1" and "WATCHDOG=1" sent to the Unix datagram socket named by NOTIFY_SOCKET (a leading
// '@' means the abstract namespace). Without NOTIFY_SOCKET every call does nothing.

import Glibc

/// A sender of sd_notify messages.
public struct SystemdNotify {
    let path: String?
    /// Half the watchdog interval systemd asked for (WATCHDOG_USEC), in milliseconds; nil when off.
    public let watchdogIntervalMillis: Int64?

    /// Reads NOTIFY_SOCKET and WATCHDOG_USEC (honouring WATCHDOG_PID) from `environment`.
    public init(environment: [String: String]) {
        let path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        self.path = path
        if path != nil, let usec = environment["WATCHDOG_USEC"].flatMap(Int64.init), usec > 0,
           environment["WATCHDOG_PID"].flatMap(Int32.init).map({ $0 == getpid() }) ?? true {
            watchdogIntervalMillis = max(1, usec / 2000)
        } else {
            watchdogIntervalMillis = nil
        }
    }

    /// Sends one message, e.g. "READY=1\nSTATUS=serving"; returns false when it could not be sent.
    @discardableResult
    public func send(_ message: String) -> Bool {
        guard let path else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
        let payload = Array(message.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                payload.withUnsafeBytes {
                    sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), socketAddress, length)
                }
            }
        }
        return sent == payload.count
    }
}
