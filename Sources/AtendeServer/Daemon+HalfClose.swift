// Daemon, the peer's end of input: a client may pipeline requests and then shut its writing side
// (`shutdown(SHUT_WR)`, or socat reaching the end of its input). Every request it sent before that still gets its
// response: requests waiting for off-loop work (password hashing) finish first, then every response is written,
// and only then does the connection close, through the same drain as any close after a last reply.

import AtendeCore
import Glibc

extension Daemon {
    /// The peer will send nothing more: stop reading, and close once everything it asked is answered.
    func endOfInput(_ connection: Connection, now: Instant) {
        guard !connection.inputEnded else { return }
        connection.inputEnded = true
        Log.debug("peer ended its input", ["conn": connection.id])
        closeIfInputDone(connection, now: now)
    }

    /// After the end of input: once no request is left to run (none waits for off-loop work, no batch is half
    /// done), the connection closes after its last output is out (`closeAfterFlush`, `readyToClose`).
    func closeIfInputDone(_ connection: Connection, now: Instant) {
        guard connection.inputEnded, !connection.closed, !connection.waiting, connection.batch == nil else { return }
        connection.closeAfterFlush = true
        if connection.readyToClose { beginDrain(connection, now: now) }
    }
}
