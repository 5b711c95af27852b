// The page cache over SQLite's default one (CSQLiteWAL/pcache.c): the truncate at the end of a transaction that
// only grew the database (B-tree splits included, which renumber pages through a number far past the end) is
// skipped, while a commit that shrinks the database or a rollback of its growth still drops the pages past the end.
// And whatever it skips, the database reads back exactly what was committed: a seeded mix of growing, shrinking,
// rolled-back and vacuumed transactions is checked row by row against a model, with SQLite's integrity check.

import CSQLiteWAL
import Foundation
import XCTest
import AtendeCore
@testable import AtendeStore

final class PageCacheTests: StoreTestCase {
    private var skipped: Int64 { Int64(atende_pcache_skipped_truncates()) }
    private var passed: Int64 { Int64(atende_pcache_passed_truncates()) }

    func testTheCacheIsInstalledBeforeSQLiteStarts() throws {
        _ = try openStore()
        XCTAssertEqual(atende_pcache_install(), 0, "installed (SQLITE_OK) by the first connection's opening")
    }

    func testCommitsThatOnlyGrowTheDatabaseSkipTheTruncate() throws {
        let store = try Store(path: path, durability: .full, defersSync: true)
        var next: Int64 = 1
        // Warm up: the schema's pages and the first splits.
        for _ in 0..<5 {
            for id in next..<(next + 50) { try store.saveConversation(conversation(id), new: true) }
            try store.commit()
            next += 50
        }
        let skippedBefore = skipped
        let commits = 40
        for _ in 0..<commits {
            // A lifecycle's writes: new rows (splitting leaves as the tables and indexes grow), closing updates.
            for id in next..<(next + 50) { try store.saveConversation(conversation(id), new: true) }
            for id in (next - 50)..<next {
                var chat = conversation(id)
                chat.state = .closed
                chat.closedAt = t0 + 1000
                try store.saveClosing(chat)
            }
            try store.commit()
            next += 50
        }
        XCTAssertGreaterThanOrEqual(skipped - skippedBefore, Int64(commits), "each commit's truncate was skipped")
        assertSound(store)
        XCTAssertEqual(try store.database.scalar("SELECT count(*) FROM conversations"), next - 1)
    }

    func testACommitThatShrinksTheDatabaseDropsThePagesPastItsEnd() throws {
        let database = try Database(path: path)
        try database.execute("PRAGMA page_size = 1024; PRAGMA journal_mode = WAL")
        try database.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        try database.execute("BEGIN")
        for id in 1...2000 { try database.run("INSERT INTO t VALUES (?, ?)", [.int(Int64(id)), .text(filler(id, 400))]) }
        try database.execute("COMMIT")
        let pagesBefore = try database.scalar("PRAGMA page_count") ?? 0
        try database.execute("DELETE FROM t WHERE id > 20")
        let passedBefore = passed
        try database.execute("VACUUM")
        XCTAssertLessThan(try database.scalar("PRAGMA page_count") ?? 0, pagesBefore / 10)
        XCTAssertGreaterThan(passed - passedBefore, 0, "the shrinking commit's truncate reached SQLite's cache")
        // Growing again reuses the page numbers past the old end: each must hold the new rows, not the old ones.
        try database.execute("BEGIN")
        for id in 21...2000 {
            try database.run("INSERT INTO t VALUES (?, ?)", [.int(Int64(id)), .text(filler(id + 7, 300))])
        }
        try database.execute("COMMIT")
        XCTAssertEqual(try database.text("PRAGMA integrity_check"), "ok")
        let rows = try database.cached("SELECT id, v FROM t ORDER BY id")
        defer { rows.reset() }
        var count = 0
        while try rows.step() {
            let id = Int(rows.int(0))
            XCTAssertEqual(rows.text(1), id <= 20 ? filler(id, 400) : filler(id + 7, 300), "row \(id)")
            count += 1
        }
        XCTAssertEqual(count, 2000)
    }

    func testASeededMixOfTransactionsReadsBackWhatWasCommitted() throws {
        let database = try Database(path: path)
        try database.execute("PRAGMA page_size = 1024; PRAGMA journal_mode = WAL; PRAGMA cache_size = -8192")
        try database.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT NOT NULL UNIQUE, v TEXT NOT NULL)")
        var model: [Int64: String] = [:]
        var random = SplitMix(seed: 0x5eed_cafe)
        var skippedOnes: Int64 = 0
        var passedOnes: Int64 = 0
        for round in 0..<300 {
            let before = (skipped, passed)
            var changed = model
            try database.execute("BEGIN IMMEDIATE")
            for _ in 0..<random.next(below: 60) {
                let id = Int64(random.next(below: 3000))
                switch random.next(below: 10) {
                case 0..<5:
                    let value = filler(Int(random.next(below: 100_000)), 20 + Int(random.next(below: 600)))
                    try database.run("INSERT INTO t VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET v = excluded.v",
                                     [.int(id), .text("k\(id)"), .text(value)])
                    changed[id] = value
                default:
                    try database.run("DELETE FROM t WHERE id = ?", [.int(id)])
                    changed[id] = nil
                }
            }
            if random.next(below: 4) == 0 {
                try database.execute("ROLLBACK")
            } else {
                try database.execute("COMMIT")
                model = changed
            }
            if random.next(below: 25) == 0 { try database.execute("VACUUM") }
            skippedOnes += skipped - before.0
            passedOnes += passed - before.1
            if round % 50 == 49 { try assertMatches(database, model, round: round) }
        }
        XCTAssertGreaterThan(skippedOnes, 0)
        XCTAssertGreaterThan(passedOnes, 0)
        XCTAssertEqual(try database.text("PRAGMA integrity_check"), "ok")
    }

    private func assertMatches(_ database: Database, _ model: [Int64: String], round: Int) throws {
        let rows = try database.cached("SELECT id, v FROM t ORDER BY id")
        defer { rows.reset() }
        var seen: [Int64: String] = [:]
        while try rows.step() { seen[rows.int(0)] = rows.text(1) }
        XCTAssertEqual(seen.count, model.count, "rows after round \(round)")
        XCTAssertTrue(seen == model, "contents after round \(round)")
        XCTAssertEqual(try database.text("PRAGMA integrity_check"), "ok", "after round \(round)")
    }

    private func filler(_ seed: Int, _ length: Int) -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<length).map { letters[($0 * 7 + seed) % letters.count] })
    }
}

/// A small seeded generator (splitmix64), so a failing mix can be replayed.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next(below bound: UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return (z ^ (z >> 31)) % bound
    }
}
