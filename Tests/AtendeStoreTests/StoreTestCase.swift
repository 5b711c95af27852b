// StoreTestCase: what the store tests share: a fresh temporary folder per test (removed afterwards), a store
// opened on a real file in it, builders for records, and checks for SQLite's result codes and integrity.

import CSQLite
import Foundation
import XCTest
import AtendeCore
@testable import AtendeStore

/// Extended result codes; sqlite3.h builds them with macros that Swift does not import.
enum ExtendedCode {
    static let check = SQLITE_CONSTRAINT | (1 << 8)
    static let foreignKey = SQLITE_CONSTRAINT | (3 << 8)
    static let unique = SQLITE_CONSTRAINT | (8 << 8)
    static let fsync = SQLITE_IOERR | (4 << 8)
    static let write = SQLITE_IOERR | (3 << 8)
}

class StoreTestCase: XCTestCase {
    var folder: URL!
    var path: String { folder.appendingPathComponent("atende.sqlite").path }
    let t0 = Instant(millis: 1_795_700_000_000)

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("atende-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func openStore(file: StaticString = #filePath, line: UInt = #line) throws -> Store {
        try Store(path: path, durability: .normal)
    }

    func assertSound(_ store: Store, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(try store.integrityCheck(), "ok", file: file, line: line)
    }

    /// Runs `body`, which must fail with this extended result code.
    func assertStoreError(_ code: Int32, _ body: () throws -> Void, file: StaticString = #filePath,
                          line: UInt = #line) {
        do {
            try body()
            XCTFail("expected SQLite error \(code)", file: file, line: line)
        } catch let error as StoreError {
            XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
    }

    func attendant(_ login: String, departments: [String] = [], hours: WeeklyHours = .always) -> AttendantRecord {
        AttendantRecord(name: "Ana Souza", login: login, passwordHash: "$y$j9T$salt$hash", departments: departments,
                        hours: hours, maxChats: 5, createdAt: t0)
    }

    func conversation(_ id: ConversationID, _ state: ConversationState = .queued, seq: Int64? = nil)
        -> Conversation {
        Conversation(id: id, externalId: "ext-\(id)", contactPhone: "+5511987654321", department: "sales",
                     state: state, attendantId: state == .assigned || state == .closed ? 7 : nil,
                     openedAt: t0 + id, queuedAt: t0 + id + 1, queueSeq: seq ?? id)
    }
}
