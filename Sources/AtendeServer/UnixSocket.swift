// UnixSocket: the few socket calls atended makes, with errors that carry errno and the call (NIO's IOError way).

import AtendeProtocol
import CLinux
import Glibc

/// A failed system call.
public struct SystemError: Error, CustomStringConvertible {
    /// The call.
    public var call: String
    /// errno.
    public var errno: Int32
    /// "bind: Address already in use (errno 98)"
    public var description: String { "\(call): \(String(cString: strerror(errno))) (errno \(errno))" }
}

enum UnixSocket {
    static func check(_ result: Int32, _ call: String) throws(SystemError) -> Int32 {
        if result < 0 { throw SystemError(call: call, errno: Glibc.errno) }
        return result
    }

    static func address(_ path: String) throws(SystemError) -> UnixAddress {
        guard let address = UnixAddress(path) else {
            throw SystemError(call: "socket path too long", errno: ENAMETOOLONG)
        }
        return address
    }

    /// A file's device and inode: which file a path named when it was taken.
    struct FileIdentity: Equatable {
        let device: UInt64
        let inode: UInt64

        init?(path: String) {
            var info = stat()
            guard lstat(path, &info) == 0 else { return nil }
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
        }
    }

    /// Removes the socket file at `path` only if it is still the one this daemon bound (`listener`).
    static func unlinkIfOurs(_ path: String, listener: FileIdentity?) {
        guard let listener, FileIdentity(path: path) == listener else { return }
        unlink(path)
    }

    /// True when something accepts connections at `path`.
    static func isLive(_ path: String) -> Bool {
        guard let fd = try? check(socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0), "socket")
        else { return false }
        defer { close(fd) }
        guard let address = try? address(path) else { return false }
        return address.withSockaddr { connect(fd, $0, $1) } == 0
    }

    /// Binds and listens at `path`: a stale socket file is replaced, a live one refused unless `replacingLive`.
    static func listen(path: String, mode: UInt32, replacingLive: Bool = false) throws(SystemError) -> Int32 {
        if access(path, F_OK) == 0 {
            if !replacingLive && isLive(path) {
                throw SystemError(call: "another atended is listening on \(path)", errno: EADDRINUSE)
            }
            var info = stat()
            if lstat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFSOCK {
                throw SystemError(call: "\(path) exists and is not a socket", errno: EEXIST)
            }
            unlink(path)
        }
        let type = Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue)
        let fd = try check(socket(AF_UNIX, type, 0),
                           "socket")
        let address = try address(path)
        let previousMask = umask(0o177)
        let bound = address.withSockaddr { bind(fd, $0, $1) }
        umask(previousMask)
        if bound < 0 {
            let error = SystemError(call: "bind \(path)", errno: Glibc.errno)
            close(fd)
            throw error
        }
        guard chmod(path, mode_t(mode)) == 0 else {
            let error = SystemError(call: "chmod \(path)", errno: Glibc.errno)
            close(fd)
            throw error
        }
        guard Glibc.listen(fd, 1024) == 0 else {
            let error = SystemError(call: "listen", errno: Glibc.errno)
            close(fd)
            throw error
        }
        return fd
    }

    /// The uid of the process at the other end (SO_PEERCRED).
    static func peerUID(_ fd: Int32) -> uid_t? {
        let uid = atende_peer_uid(fd)
        return uid < 0 ? nil : uid_t(uid)
    }

    static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    }
}
