// WebSocketKeepalive: how the loop notices a browser that vanished without closing its socket (a laptop lid shut,
// a network gone): TCP alone can take hours to tell. Every WebSocket connection has one deadline in a small heap
// whose earliest entry bounds the loop's sleep, like the router's timers, so nothing polls. When a connection's
// deadline comes and nothing was heard from it for `http.pingInterval` seconds, it gets a ping; when the next
// deadline comes and still nothing was heard (no pong, nor anything else), it is closed like any hang-up, so an
// attendant's presence follows at once (and its presence grace starts). Reading only stamps the connection's
// `lastHeard`; the heap is touched once per interval per connection, not per message.

import AtendeCore
import AtendeProtocol

/// The WebSocket connections' keepalive deadlines, earliest first.
struct WebSocketKeepalive {
    /// A binary min-heap of (deadline in ms, connection id); each live WebSocket connection has one entry, and
    /// a closed connection's entry is dropped when it comes up.
    private var heap: [(due: Int64, id: UInt64)] = []

    /// The earliest deadline.
    var nextDue: Instant? { heap.first.map { Instant(millis: $0.due) } }

    /// The number of entries (live connections, and closed ones not come up yet).
    var count: Int { heap.count }

    /// Adds connection `id`'s next deadline.
    mutating func schedule(_ id: UInt64, at due: Instant) {
        heap.append((due.millis, id))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].due < heap[parent].due else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the connection whose deadline has come by `now`, if any.
    mutating func popDue(now: Instant) -> UInt64? {
        guard let first = heap.first, first.due <= now.millis else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                guard left < heap.count else { break }
                let right = left + 1
                let child = right < heap.count && heap[right].due < heap[left].due ? right : left
                guard heap[child].due < heap[parent].due else { break }
                heap.swapAt(child, parent)
                parent = child
            }
        }
        return first.id
    }
}

extension Daemon {
    /// The ping interval in milliseconds (nil: keepalive off, or no `http`).
    var keepaliveMillis: Int64? {
        guard let seconds = config.http?.pingIntervalSeconds, seconds > 0 else { return nil }
        return Int64(seconds) * 1000
    }

    /// Starts watching a connection that just upgraded to a WebSocket.
    func startKeepalive(_ connection: Connection, now: Instant) {
        guard let interval = keepaliveMillis else { return }
        connection.lastHeard = now
        web.keepalive.schedule(connection.id, at: now + interval)
    }

    /// The keepalive deadlines that have come: pings to idle connections, and closing those that did not answer
    /// one. Run with the turn's other due work, so a close's effects (presence) join this turn's commit.
    func applyDueKeepalives(now: Instant) {
        guard let interval = keepaliveMillis else { return }
        while let id = web.keepalive.popDue(now: now) {
            guard let connection = fanOut.connections[id], !connection.closed else { continue }
            if connection.waiting {
                // The loop does not read it while a request of its own works off the loop: an answer to a ping
                // could not be heard, so it is not judged until reading resumes.
                connection.pingSentAt = nil
                connection.lastHeard = now
                web.keepalive.schedule(id, at: now + interval)
                continue
            }
            if let sent = connection.pingSentAt, connection.lastHeard < sent {
                guard now < sent + interval else {
                    Log.info("WebSocket peer silent after a ping, closing", ["conn": id])
                    disconnect(connection, now: now, reason: "no pong")
                    continue
                }
                web.keepalive.schedule(id, at: sent + interval)
                continue
            }
            connection.pingSentAt = nil
            let idleFrom = connection.lastHeard + interval
            if now < idleFrom {
                web.keepalive.schedule(id, at: idleFrom)
                continue
            }
            // After a close frame nothing more may be sent; a connection on its way out is still timed.
            if !connection.framer.closing && !connection.closeAfterFlush && !connection.draining {
                stage(.frame(WebSocketFrame.frame(.ping, [])), for: connection)
            }
            connection.pingSentAt = now
            web.keepalive.schedule(id, at: now + interval)
        }
    }
}
