// Store, the WAL under steady writes: with a background Checkpointer the loop's rewind lets the WAL start over,
// so its file stays near `walRestartFrames` however long the writes go on, and nothing committed is lost on the
// way. Without the rewind (the control) the same writes grow the file past that bound. The background
// checkpointer really copies (a connection that never read takes a checkpoint as a no-op), and at the bound the
// loop first has it copy, then copies only the tail itself.

import Foundation
import XCTest
import AtendeCore
@testable import AtendeStore

final class StoreWALTests: StoreTestCase {
    private func walBytes() -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int) ?? 0
    }

    /// Commits `turns` transactions of a few conversations each; rewinds after every commit when `rewind`.
    /// Returns the largest WAL file seen and how many times the WAL started over.
    private func write(_ store: Store, turns: Int, rewind: Bool) throws -> (largest: Int, restarts: Int) {
        var largest = 0
        var restarts = 0
        var frames = 0
        var id: Int64 = 0
        for _ in 0..<turns {
            for _ in 0..<5 {
                id += 1
                try store.saveConversation(conversation(id))
            }
            try store.commit()
            if store.walFrames < frames { restarts += 1 }
            frames = store.walFrames
            if rewind { store.rewindWALIfLong() }
            largest = max(largest, walBytes())
        }
        return (largest, restarts)
    }

    /// 40 times the 64-frame restart point, in 4 KiB frames: the rewound WAL stays well under it (about 150 frames
    /// on an idle machine), and the same writes without the rewind grow past it (to about 11,000 frames).
    private let boundBytes = 64 * 40 * (4096 + 24)

    /// A store whose WAL should start over at 64 frames, with a background checkpointer every 20 ms.
    private func checkpointedStore() throws -> (Store, Checkpointer) {
        let store = try openStore()
        store.walRestartFrames = 64
        return (store, try store.startCheckpointer(intervalMillis: 20))
    }

    func testTheLoopLetsTheWALStartOverUnderSteadyWrites() throws {
        let (store, checkpointer) = try checkpointedStore()
        defer { checkpointer.stop() }
        let (largest, restarts) = try write(store, turns: 2000, rewind: true)
        XCTAssertGreaterThan(store.walRewindAttempts, 0)
        XCTAssertGreaterThanOrEqual(restarts, 5, "the WAL started over again and again")
        // A rewind attempt fails while the background checkpoint holds its lock and is retried after the next
        // commit; on a loaded machine that pass can hold it for a few hundred frames (up to about 800 seen).
        XCTAssertLessThan(largest, boundBytes, "WAL file stayed near the bound (\(largest) bytes)")
        XCTAssertEqual(try store.database.scalar("SELECT count(*) FROM conversations"), 10_000)
        assertSound(store)
    }

    func testWithoutTheRewindTheWALKeepsGrowing() throws {
        let (store, checkpointer) = try checkpointedStore()
        defer { checkpointer.stop() }
        let (largest, _) = try write(store, turns: 2000, rewind: false)
        XCTAssertGreaterThan(largest, boundBytes, "control: a background checkpoint alone never rewinds")
    }

    func testTheBackgroundCheckpointerCopiesTheWAL() throws {
        let store = try openStore()
        let checkpointer = try store.startCheckpointer(intervalMillis: 20)
        defer { checkpointer.stop() }
        _ = try write(store, turns: 20, rewind: false)
        let deadline = Date() + 10
        while checkpointer.copiedFrames <= 0 && Date() < deadline { usleep(5000) }
        XCTAssertGreaterThan(checkpointer.copiedFrames, 0, "a pass copied frames back into the database file")
    }

    /// Commits until the WAL holds at least `frames` frames.
    private func fill(_ store: Store, to frames: Int, from id: inout Int64) throws {
        while store.walFrames < frames {
            id += 1
            try store.saveConversation(conversation(id))
            try store.commit()
        }
    }

    /// A store whose WAL should start over at 256 frames, filled to that bound, with a background checkpointer
    /// whose timer never fires within a test: every background pass is one the loop asked for.
    private func storeAtTheBound(handsCopyingToBackground: Bool) throws -> (Store, Checkpointer, Int64) {
        let store = try openStore()
        store.walRestartFrames = 256
        store.handsCopyingToBackground = handsCopyingToBackground
        let checkpointer = try store.startCheckpointer(intervalMillis: 600_000)
        var id: Int64 = 0
        try fill(store, to: 256, from: &id)
        return (store, checkpointer, id)
    }

    func testAtTheBoundTheLoopHasTheBackgroundCopyAndCopiesOnlyTheTail() throws {
        var (store, checkpointer, id) = try storeAtTheBound(handsCopyingToBackground: true)
        defer { checkpointer.stop() }
        store.rewindWALIfLong()
        XCTAssertEqual(store.walRewindAttempts, 0, "the loop asked the background to copy instead")
        let asked = store.walFrames
        let deadline = Date() + 10
        while checkpointer.copiedFrames < asked && Date() < deadline { usleep(2000) }
        XCTAssertGreaterThanOrEqual(checkpointer.copiedFrames, asked)
        try fill(store, to: asked + 1, from: &id)
        store.rewindWALIfLong()
        XCTAssertEqual(store.walRewindAttempts, 1, "with all but the tail copied, the loop finishes the job")
        id += 1
        try store.saveConversation(conversation(id))
        try store.commit()
        XCTAssertLessThan(store.walFrames, asked, "the WAL started over")
        XCTAssertEqual(try store.database.scalar("SELECT count(*) FROM conversations"), Int64(id))
        assertSound(store)
    }

    func testWithoutTheHandOffTheLoopCopiesEverything() throws {
        var (store, checkpointer, id) = try storeAtTheBound(handsCopyingToBackground: false)
        defer { checkpointer.stop() }
        store.rewindWALIfLong()
        XCTAssertEqual(store.walRewindAttempts, 1, "control: the loop copies at once")
        XCTAssertLessThanOrEqual(checkpointer.copiedFrames, 0, "no background pass ran: the loop copied it all")
        id += 1
        try store.saveConversation(conversation(id))
        try store.commit()
        XCTAssertLessThan(store.walFrames, 256, "the WAL started over")
    }

    func testWithoutACheckpointerTheRewindDoesNothing() throws {
        let store = try openStore()
        store.walRestartFrames = 1
        _ = try write(store, turns: 50, rewind: true)
        XCTAssertEqual(store.walRewindAttempts, 0, "SQLite's own automatic checkpoint is in charge")
    }
}
