// DataFolderTests: a socket or database path whose folder is missing. Absolute: the start stops with exit 78 and
// names the folder, creating nothing. Relative (under the start directory, like the default var/): the folder is
// created and stderr says so.

import Foundation
import XCTest

final class DataFolderTests: XCTestCase {
    func testMissingFolderOfAnAbsoluteSocketPathStopsTheStartAndNamesIt() throws {
        let daemon = try TestDaemon(start: false)
        let folder = daemon.directory + "/nonexistent/dir"
        daemon.config["socket"] = .string(folder + "/x.sock")
        let status = try daemon.wait(try daemon.launch())
        XCTAssertEqual(status, 78, daemon.lastStderr)
        XCTAssertTrue(daemon.lastStderr.contains(folder), daemon.lastStderr)
        XCTAssertTrue(daemon.lastStderr.contains("socket"), daemon.lastStderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: daemon.directory + "/nonexistent"))
    }

    func testMissingFolderOfAnAbsoluteDatabasePathStopsTheStart() throws {
        let daemon = try TestDaemon(start: false)
        let folder = daemon.directory + "/missing"
        daemon.config["database"] = .string(folder + "/atende.db")
        XCTAssertEqual(try daemon.wait(try daemon.launch()), 78, daemon.lastStderr)
        XCTAssertTrue(daemon.lastStderr.contains(folder), daemon.lastStderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder))
    }

    func testMissingFolderOfARelativePathIsCreatedAndSaid() throws {
        let daemon = try TestDaemon(["socket": "var/atende.sock", "database": "var/atende.db"])
        XCTAssertEqual(try daemon.connect().call("system.ping")["pong"], true)
        XCTAssertTrue(daemon.lastStderr.contains("created missing folder var"), daemon.lastStderr)
    }
}
