// TCPSocket: the listening sockets of the remote transports (`http` and `listen`). Addresses are resolved with
// getaddrinfo once at start; accepted connections get TCP_NODELAY, since every message is a small write that a
// client waits for (Nagle's delay would add up to 40 ms to each answer).

import Glibc

enum TCPSocket {
    /// Binds and listens at `address` (non-blocking, close-on-exec, SO_REUSEADDR so a restart can bind at once).
    static func listen(_ address: HostPort) throws(SystemError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var found: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(address.host, String(address.port), &hints, &found)
        guard resolved == 0, let first = found else {
            throw SystemError(call: "resolve \(address)", errno: resolved == EAI_SYSTEM ? Glibc.errno : EINVAL)
        }
        defer { freeaddrinfo(first) }
        var lastError = SystemError(call: "bind \(address)", errno: EADDRNOTAVAIL)
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            candidate = info.pointee.ai_next
            let type = Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue)
            let fd = socket(info.pointee.ai_family, type, 0)
            guard fd >= 0 else {
                lastError = SystemError(call: "socket", errno: Glibc.errno)
                continue
            }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            if bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 && Glibc.listen(fd, 1024) == 0 {
                return fd
            }
            lastError = SystemError(call: "bind \(address)", errno: Glibc.errno)
            close(fd)
        }
        throw lastError
    }

    /// Has the kernel probe an idle accepted connection (after 60 s, every 10 s, 3 times), so a peer that vanished
    /// without a FIN (a machine gone, a cut link) is closed in about 90 s instead of holding its slot for ever.
    static func setKeepalive(_ fd: Int32) {
        var on: Int32 = 1
        var idle: Int32 = 60
        var interval: Int32 = 10
        var count: Int32 = 3
        let size = socklen_t(MemoryLayout<Int32>.size)
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, size)
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPIDLE, &idle, size)
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPINTVL, &interval, size)
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPCNT, &count, size)
    }

    /// Turns off Nagle's algorithm on an accepted connection.
    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }
}
