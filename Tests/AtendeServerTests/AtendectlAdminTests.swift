// `atendectl admin add|list|edit|delete` run as a binary against the test daemon: tables and --json, the password
// read from stdin, naming an account by id or login, a taken login's error and exit status.

import AtendeClient
import AtendeProtocol
import Foundation
import XCTest

extension AtendectlTests {
    func testAdminAccountCommands() throws {
        // With the panel on, ping says how to make the first admin account while there is none.
        daemon = try TestDaemon(["http": ["listen": .string("127.0.0.1:\(try WebHarness.freePort())")]])
        scratch = daemon.directory
        XCTAssertTrue(try ok(["ping"]).stdout.contains("no admin account yet"))
        let added = try ok(["admin", "add", "--name", "Bruna Lima", "--login", "bruna@example.com"],
                           stdin: "Painel2026x\n")
        XCTAssertTrue(added.stdout.contains("created admin 1: Bruna Lima <bruna@example.com>"), added.stdout)
        let json = try ok(["admin", "add", "--name", "Rui Lima", "--login", "rui", "--json"], stdin: "Painel2026x\n")
        XCTAssertEqual(json.json["login"], "rui")
        let pong = try ok(["ping"]).stdout
        XCTAssertFalse(pong.contains("no admin account yet"), pong)
        let list = try ok(["admin", "list"])
        XCTAssertTrue(list.stdout.contains("bruna@example.com") && list.stdout.contains("never"), list.stdout)
        XCTAssertEqual(try ok(["admin", "list", "--json"]).json["admins"]?.arrayValue?.count, 2)
        let edited = try ok(["admin", "edit", "BRUNA@example.com", "--name", "Bruna Lima Souza"])
        XCTAssertTrue(edited.stdout.contains("updated admin 1: Bruna Lima Souza"), edited.stdout)
        try ok(["admin", "edit", "1", "--password"], stdin: "Nova2026senha\n")
        XCTAssertEqual(try daemon.connect().call("auth.login", ["login": "bruna@example.com",
                                                                "password": "Nova2026senha"])["role"], "admin")
        let taken = try ctl(["admin", "add", "--name", "Ana Souza", "--login", "RUI"], stdin: "Painel2026x\n")
        XCTAssertNotEqual(taken.status, 0)
        XCTAssertTrue(taken.stderr.contains("login"), taken.stderr)
        try ok(["admin", "delete", "rui"])
        XCTAssertEqual(try ok(["admin", "list", "--json"]).json["admins"]?.arrayValue?.count, 1)
        XCTAssertNotEqual(try ctl(["admin", "delete", "nobody"]).status, 0)
    }
}
