// Poller: readiness of many descriptors for the reactor and the echo server. With the CLinux shim (Swift's Glibc
// module leaves epoll out) it is epoll; without it, poll(2) over an array kept in step with the connections,
// which costs time in proportion to the connections per call: fine for the few dozen most scenarios use, and
// visible as generator CPU only with thousands of attendant connections (scenario 4), whose cost metric is the
// daemon's own CPU time and so does not include it.

#if canImport(CLinux)
import CLinux
#endif
import Glibc

/// What a descriptor is ready for.
struct Readiness {
    var fd: Int32
    var readable: Bool
    var writable: Bool
}

#if canImport(CLinux)
/// Readiness through epoll.
final class Poller {
    private let epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
    private var events = [epoll_event](repeating: epoll_event(), count: 1024)

    deinit { close(epoll) }

    func add(_ fd: Int32) {
        control(EPOLL_CTL_ADD, fd, write: false)
    }

    func remove(_ fd: Int32) {
        epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nil)
    }

    func watchWrites(_ fd: Int32, _ on: Bool) {
        control(EPOLL_CTL_MOD, fd, write: on)
    }

    private func control(_ operation: Int32, _ fd: Int32, write: Bool) {
        var event = epoll_event()
        event.events = UInt32(EPOLLIN.rawValue) | (write ? UInt32(EPOLLOUT.rawValue) : 0)
        event.data.fd = fd
        epoll_ctl(epoll, operation, fd, &event)
    }

    /// Waits up to `timeoutMillis` (-1: forever) and returns what is ready.
    func wait(_ timeoutMillis: Int32, into ready: inout [Readiness]) {
        ready.removeAll(keepingCapacity: true)
        let count = epoll_wait(epoll, &events, Int32(events.count), timeoutMillis)
        guard count > 0 else { return }
        for index in 0..<Int(count) {
            let flags = events[index].events
            ready.append(Readiness(
                fd: events[index].data.fd,
                readable: flags & UInt32(EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0,
                writable: flags & UInt32(EPOLLOUT.rawValue) != 0))
        }
    }
}
#else
/// Readiness through poll(2).
final class Poller {
    private var fds: [pollfd] = []
    /// Position in `fds` of each descriptor, indexed by descriptor (-1: not watched).
    private var positions: [Int] = []

    func add(_ fd: Int32) {
        if Int(fd) >= positions.count {
            positions.append(contentsOf: repeatElement(-1, count: Int(fd) + 1 - positions.count))
        }
        positions[Int(fd)] = fds.count
        fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
    }

    func remove(_ fd: Int32) {
        guard Int(fd) < positions.count, positions[Int(fd)] >= 0 else { return }
        let position = positions[Int(fd)]
        let last = fds.removeLast()
        if position < fds.count {
            fds[position] = last
            positions[Int(last.fd)] = position
        }
        positions[Int(fd)] = -1
    }

    func watchWrites(_ fd: Int32, _ on: Bool) {
        guard Int(fd) < positions.count, positions[Int(fd)] >= 0 else { return }
        fds[positions[Int(fd)]].events = Int16(POLLIN) | (on ? Int16(POLLOUT) : 0)
    }

    /// Waits up to `timeoutMillis` (-1: forever) and returns what is ready.
    func wait(_ timeoutMillis: Int32, into ready: inout [Readiness]) {
        ready.removeAll(keepingCapacity: true)
        let count = poll(&fds, nfds_t(fds.count), timeoutMillis)
        guard count > 0 else { return }
        let readMask = Int16(POLLIN) | Int16(POLLHUP) | Int16(POLLERR)
        for entry in fds where entry.revents != 0 {
            ready.append(Readiness(fd: entry.fd, readable: entry.revents & readMask != 0,
                                   writable: entry.revents & Int16(POLLOUT) != 0))
            if ready.count == Int(count) { break }
        }
    }
}
#endif
