// DurableOutboxTests: the fsync's thread of durability full on its own, with socket pairs standing in for
// clients: it writes a delivery itself only when told it may and while nothing of that connection was left
// unwritten, hands back what a full socket did not take (then everything later of that connection, so bytes
// never pass each other), reports a gone peer, fsyncs only for turns that committed, and shows nothing after a
// failed fsync.

import AtendeProtocol
import AtendeStore
import Foundation
import Glibc
import XCTest
@testable import AtendeServer

final class DurableOutboxTests: XCTestCase {
    private var folder: URL!
    private var store: Store!
    /// The loop's wakeup: the outbox writes 8 bytes to `wakeup[1]` after each round.
    private var wakeup: [Int32] = [-1, -1]

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        store = try Store(path: folder.appendingPathComponent("a.db").path, durability: .full, defersSync: true)
        XCTAssertEqual(pipe(&wakeup), 0)
    }

    override func tearDownWithError() throws {
        close(wakeup[0])
        close(wakeup[1])
        store = nil
        try? FileManager.default.removeItem(at: folder)
    }

    /// A connected pair: the daemon's end (non-blocking, small send buffer) and the client's end.
    private func socketPair(sendBuffer: Int32 = 4096) -> (daemon: Int32, client: Int32) {
        let pair = connectedPair(SOCK_STREAM)
        var size = sendBuffer
        setsockopt(pair.daemon, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        return pair
    }

    /// A record-preserving pair: each send arrives as one record, so a test can count them.
    private func recordPair() -> (daemon: Int32, client: Int32) { connectedPair(SOCK_SEQPACKET) }

    /// A Unix socket pair of `type`, the daemon's end non-blocking.
    private func connectedPair(_ type: __socket_type) -> (daemon: Int32, client: Int32) {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(type.rawValue), 0, &fds), 0)
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        return (fds[0], fds[1])
    }

    private func push(_ text: String) -> Staged { .push(Array(text.utf8)) }

    /// Rounds taken from the outbox and not yet looked at (several can finish between two looks).
    private var finished: [DurableOutbox.Round] = []

    /// Waits for the next finished round.
    private func nextRound(_ outbox: DurableOutbox) throws -> DurableOutbox.Round {
        let deadline = Date() + 10
        while Date() < deadline {
            if !finished.isEmpty { return finished.removeFirst() }
            var ready = pollfd(fd: wakeup[0], events: Int16(POLLIN), revents: 0)
            if poll(&ready, 1, 100) > 0 {
                var value: UInt64 = 0
                _ = read(wakeup[0], &value, 8)
            }
            finished += outbox.takeFinished()
        }
        throw NoRound()
    }

    /// Everything the client end can read now.
    private func drain(_ fd: Int32) -> [UInt8] { reads(fd).flatMap { $0 } }

    /// What each `recv` on the client end returns now, until it would block (on a record pair: each record).
    private func reads(_ fd: Int32) -> [[UInt8]] {
        var found: [[UInt8]] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count <= 0 { return found }
            found.append(Array(buffer[0..<count]))
        }
    }

    private func turn(_ deliveries: [DurableOutbox.Delivery], committed: Bool = true) throws -> DurableOutbox.Turn {
        DurableOutbox.Turn(wal: try XCTUnwrap(store.walFile), committed: committed, deliveries: deliveries)
    }

    func testOnceASocketIsFullLaterOutputOfThatConnectionGoesBackToTheLoop() throws {
        let outbox = DurableOutbox(wakeLoop: wakeup[1])
        defer { outbox.stop() }
        let pair = socketPair()
        defer { close(pair.daemon); close(pair.client) }
        let big = String(repeating: "b", count: 1 << 20)
        outbox.hand(try turn([.init(connection: 7, fd: pair.daemon, direct: true, fresh: false, items: [push(big)])]))
        let first = try nextRound(outbox)
        XCTAssertEqual(first.turns, 1)
        XCTAssertTrue(first.synced)
        guard case .bytes(7, let rest)? = first.leftovers.first else { return XCTFail("\(first.leftovers)") }
        let written = drain(pair.client)
        XCTAssertGreaterThan(written.count, 0)
        XCTAssertEqual(written.count + rest.count, big.utf8.count + 1, "what was written and what came back")
        // The socket has room again, and the loop (not knowing yet) says the next output may go straight out:
        // it must come back too, or it would pass the rest the loop has not written yet.
        outbox.hand(try turn([.init(connection: 7, fd: pair.daemon, direct: true, fresh: false, items: [push("after")])]))
        let second = try nextRound(outbox)
        guard case .bytes(7, let after)? = second.leftovers.first else { return XCTFail("\(second.leftovers)") }
        XCTAssertEqual(after, Array("after\n".utf8))
        XCTAssertEqual(drain(pair.client), [], "nothing was written past the rest")
        // Once the loop has written all it queued and nothing else is out, it says so: direct writes again.
        outbox.hand(try turn([.init(connection: 7, fd: pair.daemon, direct: true, fresh: true, items: [push("again")])]))
        XCTAssertEqual(try nextRound(outbox).leftovers.count, 0)
        XCTAssertEqual(drain(pair.client), Array("again\n".utf8))
        outbox.hand(try turn([.init(connection: 7, fd: pair.daemon, direct: true, fresh: false, items: [push("more")])]))
        XCTAssertEqual(try nextRound(outbox).leftovers.count, 0)
        XCTAssertEqual(drain(pair.client), Array("more\n".utf8))
        // Once the loop says the connection is gone, the number is forgotten (numbers are never reused).
        outbox.forget(7)
        let fresh = socketPair()
        defer { close(fresh.daemon); close(fresh.client) }
        outbox.hand(try turn([.init(connection: 7, fd: fresh.daemon, direct: true, fresh: false, items: [push("x")])]))
        XCTAssertEqual(try nextRound(outbox).leftovers.count, 0)
        XCTAssertEqual(drain(fresh.client), Array("x\n".utf8))
    }

    func testOutputTheLoopMustQueueComesBackEncodedInTurnOrder() throws {
        let outbox = DurableOutbox(wakeLoop: wakeup[1])
        defer { outbox.stop() }
        let pair = socketPair(sendBuffer: 65536)
        defer { close(pair.daemon); close(pair.client) }
        let reply = Staged.reply(StagedReply(id: .int(3), body: .result(Array(#"{"ok":true}"#.utf8)), wrote: true))
        outbox.hand(try turn([.init(connection: 1, fd: pair.daemon, direct: false, fresh: false, items: [reply, push("p1")]),
                              .init(connection: 2, fd: pair.daemon, direct: true, fresh: false, items: [push("direct")])]))
        let round = try nextRound(outbox)
        guard case .bytes(1, let bytes)? = round.leftovers.first else { return XCTFail("\(round.leftovers)") }
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"ok\":true}}\np1\n")
        XCTAssertEqual(round.leftovers.count, 1)
        XCTAssertEqual(drain(pair.client), Array("direct\n".utf8))
    }

    /// Each record the client end can read now.
    private func records(_ fd: Int32) -> [String] { reads(fd).map { String(decoding: $0, as: UTF8.self) } }

    /// Holds the outbox in its first fsync until the test lets it go, so the turns handed meanwhile make one round.
    private final class Gate: DurabilityBarrier, @unchecked Sendable {
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)

        func sync() -> Int32 {
            entered.signal()
            release.wait()
            return 0
        }
    }

    /// Hands `first` behind a gated fsync, then `rest` while it waits: returns the round that covers `rest`.
    private func roundAfterGate(_ outbox: DurableOutbox, first: DurableOutbox.Delivery,
                                rest: [[DurableOutbox.Delivery]]) throws -> DurableOutbox.Round {
        let gate = Gate()
        outbox.hand(DurableOutbox.Turn(wal: gate, committed: true, deliveries: [first]))
        XCTAssertEqual(gate.entered.wait(timeout: .now() + 10), .success)
        for deliveries in rest { outbox.hand(try turn(deliveries)) }
        gate.release.signal()
        XCTAssertEqual(try nextRound(outbox).turns, 1)
        let round = try nextRound(outbox)
        XCTAssertEqual(round.turns, rest.count, "the turns handed during the gated fsync make one round")
        return round
    }

    func testARoundWritesEachConnectionOnceWithItsTurnsInOrder() throws {
        let outbox = DurableOutbox(wakeLoop: wakeup[1])
        defer { outbox.stop() }
        let (first, bot, attendant) = (recordPair(), recordPair(), recordPair())
        defer { for pair in [first, bot, attendant] { close(pair.daemon); close(pair.client) } }
        let round = try roundAfterGate(
            outbox, first: .init(connection: 1, fd: first.daemon, direct: true, fresh: false, items: [push("0")]),
            rest: [[.init(connection: 2, fd: bot.daemon, direct: true, fresh: false, items: [push("reply")]),
                    .init(connection: 3, fd: attendant.daemon, direct: true, fresh: false, items: [push("assigned")])],
                   [.init(connection: 3, fd: attendant.daemon, direct: true, fresh: false, items: [push("closed")]),
                    .init(connection: 2, fd: bot.daemon, direct: true, fresh: false, items: [push("pushed")])]])
        XCTAssertEqual(round.leftovers.count, 0)
        XCTAssertEqual(records(first.client), ["0\n"])
        XCTAssertEqual(records(bot.client), ["reply\npushed\n"], "one send for the round, turn order kept")
        XCTAssertEqual(records(attendant.client), ["assigned\nclosed\n"])
    }

    func testWhatARoundCouldNotWriteComesBackBeforeALaterTurnOfThatConnection() throws {
        let outbox = DurableOutbox(wakeLoop: wakeup[1])
        defer { outbox.stop() }
        let (first, pair) = (recordPair(), socketPair())
        defer { for each in [first, pair] { close(each.daemon); close(each.client) } }
        let big = String(repeating: "w", count: 1 << 20)
        let round = try roundAfterGate(
            outbox, first: .init(connection: 1, fd: first.daemon, direct: true, fresh: false, items: [push("0")]),
            rest: [[.init(connection: 2, fd: pair.daemon, direct: true, fresh: false, items: [push(big)])],
                   [.init(connection: 2, fd: pair.daemon, direct: false, fresh: false, items: [push("queued")])]])
        let written = drain(pair.client)
        guard round.leftovers.count == 2, case .bytes(2, let rest) = round.leftovers[0],
              case .bytes(2, let queued) = round.leftovers[1] else { return XCTFail("\(round.leftovers)") }
        XCTAssertEqual(written.count + rest.count, big.utf8.count + 1, "the rest of the first turn comes back first")
        XCTAssertEqual(String(decoding: queued.prefix(16), as: UTF8.self), "queued\n", "then the later turn")
    }

    func testAPeerGoneInAMergedRoundIsReportedOnceAndWrittenNoMore() throws {
        let outbox = DurableOutbox(wakeLoop: wakeup[1])
        defer { outbox.stop() }
        let (first, gone) = (recordPair(), recordPair())
        defer { close(first.daemon); close(first.client); close(gone.daemon) }
        close(gone.client)
        let round = try roundAfterGate(
            outbox, first: .init(connection: 1, fd: first.daemon, direct: true, fresh: false, items: [push("0")]),
            rest: [[.init(connection: 2, fd: gone.daemon, direct: true, fresh: false, items: [push("a")])],
                   [.init(connection: 2, fd: gone.daemon, direct: true, fresh: false, items: [push("b")])]])
        guard round.leftovers.count == 1, case .failed(2) = round.leftovers[0] else {
            return XCTFail("\(round.leftovers)")
        }
    }

    func testAGonePeerIsReported() throws {
        let outbox = DurableOutbox(wakeLoop: wakeup[1])
        defer { outbox.stop() }
        let pair = socketPair()
        close(pair.client)
        defer { close(pair.daemon) }
        outbox.hand(try turn([.init(connection: 9, fd: pair.daemon, direct: true, fresh: false, items: [push("lost")])]))
        guard case .failed(9)? = try nextRound(outbox).leftovers.first else { return XCTFail("expected a failure") }
    }

    func testTurnsThatCommittedNothingNeedNoFsyncAlone() throws {
        let outbox = DurableOutbox(wakeLoop: wakeup[1])
        defer { outbox.stop() }
        let pair = socketPair(sendBuffer: 65536)
        defer { close(pair.daemon); close(pair.client) }
        outbox.hand(try turn([.init(connection: 1, fd: pair.daemon, direct: true, fresh: false, items: [push("read")])],
                             committed: false))
        let round = try nextRound(outbox)
        XCTAssertFalse(round.synced)
        XCTAssertEqual(drain(pair.client), Array("read\n".utf8))
    }

    func testAFailedFsyncShowsNothingAndEndsTheThread() throws {
        let outbox = DurableOutbox(wakeLoop: wakeup[1], failForTests: true)
        let pair = socketPair(sendBuffer: 65536)
        defer { close(pair.daemon); close(pair.client) }
        outbox.hand(try turn([.init(connection: 1, fd: pair.daemon, direct: true, fresh: false, items: [push("never")])]))
        let round = try nextRound(outbox)
        XCTAssertEqual(round.error, EIO)
        XCTAssertEqual(round.leftovers.count, 0)
        outbox.hand(try turn([.init(connection: 1, fd: pair.daemon, direct: true, fresh: false, items: [push("nor this")])]))
        outbox.stop()  // returns: the thread has ended
        XCTAssertEqual(drain(pair.client), [], "nothing was written")
        XCTAssertEqual(outbox.takeFinished().count, 0, "no round after the failed one")
    }
}

/// The outbox finished no round within the wait (a hung fsync thread).
private struct NoRound: Error, CustomStringConvertible {
    var description: String { "no round finished in 10 s" }
}
