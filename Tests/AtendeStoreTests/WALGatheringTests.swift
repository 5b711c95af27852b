// The WAL-gathering VFS (CSQLiteWAL): each commit reaches the WAL file in one write, made by the commit frame
// itself (nothing is left for `settleWAL` after it), in a WAL that starts over as in one that grows, and a
// transaction too large to gather in one run goes out in several. What is written is what SQLite meant: another connection through the default VFS reads every commit at
// once, and a copy of the files taken right after a commit (a crash at that moment) recovers every row.

import CSQLite
import Foundation
import XCTest
import AtendeCore
@testable import AtendeStore

final class WALGatheringTests: StoreTestCase {
    /// Rows of the conversations table in the database at `path`, read through SQLite's default VFS.
    private func rowsThroughDefaultVFS(at path: String) throws -> Int64 {
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK, let db else {
            sqlite3_close_v2(db)
            throw StoreError(code: 0, message: "cannot open \(path)")
        }
        defer { sqlite3_close_v2(db) }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, "SELECT count(*) FROM conversations", -1, &statement, nil) == SQLITE_OK else {
            throw StoreError(code: sqlite3_errcode(db), message: String(cString: sqlite3_errmsg(db)))
        }
        defer { sqlite3_finalize(statement) }
        guard sqlite3_step(statement) == SQLITE_ROW else {
            throw StoreError(code: sqlite3_errcode(db), message: String(cString: sqlite3_errmsg(db)))
        }
        return sqlite3_column_int64(statement, 0)
    }

    /// Copies the database and its WAL (not the wal-index, which a crash loses) into a new folder; returns the copy.
    private func crashCopy() throws -> String {
        let copy = folder.appendingPathComponent("crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        let target = copy.appendingPathComponent("atende.sqlite").path
        try FileManager.default.copyItem(atPath: path, toPath: target)
        try FileManager.default.copyItem(atPath: path + "-wal", toPath: target + "-wal")
        return target
    }

    /// Saves `count` conversations from id `first` and commits; returns the writes the commit made to the WAL.
    private func commit(_ store: Store, first: Int64, count: Int, nameBytes: Int = 10) throws -> Int64 {
        let before = store.database.walWriteCount
        for id in first..<(first + Int64(count)) {
            var chat = conversation(id)
            chat.contactName = String(repeating: "n", count: nameBytes)
            try store.saveConversation(chat, new: true)
        }
        try store.commit()
        return store.database.walWriteCount - before
    }

    func testEachCommitIsOneWriteMadeByItsCommitFrame() throws {
        let store = try Store(path: path, durability: .full, defersSync: true)
        XCTAssertGreaterThanOrEqual(store.database.walWriteCount, 0, "the WAL is opened through the VFS")
        var next: Int64 = 1
        for count in [1, 5, 50, 400] {
            XCTAssertEqual(try commit(store, first: next, count: count), 1, "a commit of \(count) rows")
            next += Int64(count)
            XCTAssertEqual(store.settledWALBytes, 0, "the commit frame sent everything")
            XCTAssertEqual(try rowsThroughDefaultVFS(at: path), next - 1)
            XCTAssertEqual(try rowsThroughDefaultVFS(at: try crashCopy()), next - 1, "a crash now keeps it")
        }
        XCTAssertFalse(store.lostCommittedFrames)
        assertSound(store)
    }

    func testAWALThatStartsOverIsGatheredAfterItsHeader() throws {
        let store = try Store(path: path, durability: .full, defersSync: true)
        XCTAssertEqual(try commit(store, first: 1, count: 20), 1)
        var next: Int64 = 21
        for _ in 0..<3 {
            try store.database.execute("PRAGMA wal_checkpoint(RESTART)")
            // SQLite syncs a new WAL header before any frame goes after it (so that a crash cannot leave new frames
            // behind an old header): the sync writes the header alone, and the frames follow as one run.
            XCTAssertEqual(try commit(store, first: next, count: 20), 2, "header, then the frames")
            XCTAssertEqual(try commit(store, first: next + 20, count: 20), 1)
            next += 40
        }
        XCTAssertEqual(store.settledWALBytes, 0)
        XCTAssertEqual(try rowsThroughDefaultVFS(at: try crashCopy()), next - 1)
        assertSound(store)
    }

    func testATransactionTooLargeForOneRunGoesOutInSeveral() throws {
        let store = try Store(path: path, durability: .full, defersSync: true)
        // About 6 MiB of rows: past the 4 MiB a run may grow to.
        let writes = try commit(store, first: 1, count: 3000, nameBytes: 2000)
        XCTAssertGreaterThan(writes, 1)
        XCTAssertEqual(store.settledWALBytes, 0)
        XCTAssertEqual(try rowsThroughDefaultVFS(at: try crashCopy()), 3000)
        // That commit passed SQLite's automatic checkpoint, so the next one starts the WAL over (header, frames).
        XCTAssertEqual(try commit(store, first: 3001, count: 3), 2)
        XCTAssertEqual(try commit(store, first: 3004, count: 3), 1, "small commits are gathered again")
        XCTAssertEqual(try rowsThroughDefaultVFS(at: try crashCopy()), 3006)
        assertSound(store)
    }

    func testARolledBackTransactionLeavesNothingBehind() throws {
        let store = try Store(path: path, durability: .full, defersSync: true)
        XCTAssertEqual(try commit(store, first: 1, count: 5), 1)
        for id in Int64(6)...10 { try store.saveConversation(conversation(id), new: true) }
        store.rollback()
        XCTAssertEqual(try commit(store, first: 11, count: 5), 1)
        XCTAssertEqual(try rowsThroughDefaultVFS(at: try crashCopy()), 10)
        XCTAssertEqual(store.settledWALBytes, 0)
        assertSound(store)
    }
}
