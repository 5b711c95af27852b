// SecurityTests: who may reach the daemon and what each may see or do, end to end. The socket's mode and owner,
// tokens for peers that are not root (the test takes an unprivileged euid for the connect, so SO_PEERCRED sees
// it), no token, password or hash in any log line or response, login throttling per login and per connection,
// the authorization matrix between attendants, and permission changes that reach open sessions at once.

import AtendeClient
import AtendeProtocol
import AtendeServer
import Foundation
import Glibc
import XCTest

final class SecurityTests: XCTestCase {
    private var daemon: TestDaemon!
    private let adminToken = "admin-token-0123456789abcdef"
    private let botToken = "bot-token-0123456789abcdef"
    private let nobody: uid_t = 65534

    override func tearDown() {
        daemon = nil
    }

    /// Runs `body` with the effective uid and gid of `nobody`, so the daemon sees an unprivileged peer.
    private func asNobody<T>(_ body: () throws -> T) throws -> T {
        guard geteuid() == 0 else { throw XCTSkip("needs root to take another uid") }
        XCTAssertEqual(setegid(nobody), 0)
        XCTAssertEqual(seteuid(nobody), 0)
        defer {
            seteuid(0)
            setegid(0)
        }
        return try body()
    }

    // MARK: - The socket

    func testSocketFileModeAndOwnerFollowTheConfig() throws {
        for mode in ["0600", "0660", "0640", "0666"] {
            let instance = try TestDaemon(["socketMode": .string(mode)])
            var info = stat()
            XCTAssertEqual(lstat(instance.socketPath, &info), 0)
            XCTAssertEqual(info.st_mode & S_IFMT, S_IFSOCK, "\(mode): not a socket")
            XCTAssertEqual(String(info.st_mode & 0o777, radix: 8), String(mode.dropFirst()), "socketMode \(mode)")
            XCTAssertEqual(info.st_uid, geteuid(), "the socket belongs to the daemon's user")
        }
    }

    func testUnprivilegedPeerIsKeptOutBy0600AndNeedsTokens() throws {
        let closed = try TestDaemon(["socketMode": "0600"])
        XCTAssertEqual(chmod(closed.directory, 0o755), 0)
        let refused: Result<RPCClient, ClientError> = try asNobody { Result { () throws(ClientError) in
            try RPCClient(socketPath: closed.socketPath) } }
        if case .success = refused { XCTFail("an unprivileged user connected through a 0600 socket") }

        daemon = try TestDaemon(["socketMode": "0666", "adminToken": .string(adminToken),
                                 "botToken": .string(botToken)])
        XCTAssertEqual(chmod(daemon.directory, 0o755), 0)
        let peer = try asNobody { try RPCClient(socketPath: daemon.socketPath) }
        XCTAssertEqual(try peer.call("system.ping")["pong"], true, "ping works before authenticating")
        let wrong = [nil, "", adminToken + "x", String(adminToken.dropLast()), String(adminToken.dropLast()) + "g",
                     botToken, adminToken.uppercased(), String(repeating: "a", count: 1000)]
        for token in wrong {
            let params: JSON = token.map { ["token": .string($0)] } ?? [:]
            assertError(1001, try peer.callResult("auth.admin", params), "admin token \(token ?? "none")")
            assertError(1001, try peer.callResult("department.list"), "still unauthenticated")
        }
        for token in [nil, adminToken, botToken + " "] {
            let params: JSON = token.map { ["token": .string($0)] } ?? [:]
            assertError(1001, try peer.callResult("auth.bot", params), "bot token \(token ?? "none")")
        }
        XCTAssertEqual(try peer.call("auth.bot", ["token": .string(botToken)])["role"], "bot")
        assertError(1003, try peer.callResult("department.create", ["id": "x", "name": "X"]), "a bot is no admin")
        XCTAssertEqual(try peer.call("auth.admin", ["token": .string(adminToken)])["role"], "admin")
        XCTAssertNotNil(try peer.call("department.list")["departments"])
        // Root (and the daemon's own user) needs no token.
        XCTAssertEqual(try daemon.connect().call("auth.admin")["role"], "admin")
    }

    func testTokensCompareByEveryByte() {
        XCTAssertTrue(ConstantTime.equal(adminToken, adminToken))
        for other in ["", "a", String(adminToken.dropLast()), adminToken + "\0", "x" + adminToken.dropFirst(),
                      String(adminToken.dropLast()) + "g"] {
            XCTAssertFalse(ConstantTime.equal(adminToken, other), other)
            XCTAssertFalse(ConstantTime.equal(other, adminToken), other)
        }
    }

    // MARK: - Secrets

    func testNoSecretInAnyLogLineOrResponse() throws {
        try skipOnPostgres("it reads the SQLite file")
        daemon = try TestDaemon(["logLevel": "debug", "adminToken": .string(adminToken), "botToken": .string(botToken)])
        var seen: [String] = []
        func record(_ result: Result<JSON, RPCError>) {
            switch result {
            case .success(let value): seen.append(value.text)
            case .failure(let error): seen.append("\(error.code) \(error.message) \(error.data?.text ?? "")")
            }
        }
        let wrongToken = "WRONG-token-zz-0123456789"
        let client = try daemon.connect()
        record(try client.callResult("auth.admin", ["token": .string(wrongToken)]))
        record(try client.callResult("auth.admin", ["token": .string(adminToken)]))
        record(try client.callResult("department.create", ["id": "sales", "name": "Sales"]))
        record(try client.callResult("attendant.create", ["name": "Ana Souza", "login": "ana@example.com",
            "password": "FirstPass123", "departments": ["sales"]]))
        record(try client.callResult("attendant.update", ["id": 1, "password": "SecondPass456"]))
        record(try client.callResult("attendant.create", ["name": "Bia Lima", "login": "bia@example.com",
            "password": "weakpass", "departments": ["sales"]]))
        record(try client.callResult("attendant.get", ["id": 1]))
        record(try client.callResult("attendant.list"))
        record(try client.callResult("metrics.get"))
        let attendant = try daemon.connect()
        record(try attendant.callResult("auth.login", ["login": "ana@example.com", "password": "Wr0ngGuess99"]))
        record(try attendant.callResult("auth.login", ["login": "ana@example.com", "password": "FirstPass123"]))
        record(try attendant.callResult("auth.login", ["login": "ana@example.com", "password": "SecondPass456"]))
        let bot = try daemon.connect()
        record(try bot.callResult("auth.bot", ["token": .string(botToken)]))
        record(try bot.callResult("conversation.open", ["externalId": "e1", "contact": ["phone": "11987654321"],
                                                        "department": "sales"]))
        // A reload that changes the tokens says which keys changed, never their values.
        daemon.config["adminToken"] = .string(adminToken + "-new")
        try daemon.writeConfig()
        kill(daemon.pid, SIGHUP)
        let reloaded = try daemon.connect().call("auth.admin", ["token": .string(adminToken + "-new")], timeout: 20)
        XCTAssertEqual(reloaded["role"], "admin", "the reloaded token is in force")
        try daemon.stop()
        let log = daemon.stderrText
        XCTAssertTrue(log.contains("level=debug") || log.contains("level=info"), "the daemon logged nothing?")
        let responses = seen.joined(separator: "\n")
        XCTAssertTrue(responses.contains("ana@example.com"), "the responses were recorded")
        for secret in [adminToken, botToken, wrongToken, "FirstPass123", "SecondPass456", "Wr0ngGuess99", "weakpass",
                       "$y$", "$6$", "password_hash", "passwordHash"] {
            XCTAssertFalse(log.contains(secret), "the log holds \(secret)")
            XCTAssertFalse(responses.contains(secret), "a response holds \(secret)")
        }
        let hash = try daemon.readOnlyDatabase().text(
            "SELECT password_hash FROM attendants WHERE login = 'ana@example.com'")
        XCTAssertTrue(hash?.hasPrefix("$y$") ?? false, "passwords are stored as yescrypt hashes")
        XCTAssertFalse(hash?.contains("SecondPass456") ?? true)
    }

    // MARK: - Throttling

    func testLoginThrottledPerLoginAcrossConnections() throws {
        daemon = try TestDaemon()
        let admin = try daemon.admin()
        try admin.createDepartment("sales")
        try admin.createAttendant("ana@example.com", departments: ["sales"])
        try admin.createAttendant("bia@example.com", departments: ["sales"])
        for _ in 0..<5 {
            assertError(1001, try daemon.connect().callResult("auth.login", ["login": "ana@example.com",
                                                                              "password": "Wrong1234"]))
        }
        let fresh = try daemon.connect()
        for login in ["ana@example.com", "ANA@Example.com", " ana@example.com "] {
            let throttled = assertError(1029, try fresh.callResult("auth.login", ["login": .string(login),
                "password": .string(TestDaemon.password)]), "the right password too is refused for a while: \(login)")
            let wait = throttled?.data?["retryAfter"]?.intValue ?? 0
            XCTAssertTrue((1...900).contains(wait), "retryAfter \(wait)")
        }
        let bia = try fresh.call("auth.login", ["login": "bia@example.com", "password": .string(TestDaemon.password)])
        XCTAssertEqual(bia["login"], "bia@example.com", "other logins are not throttled")
    }

    func testLoginThrottledPerConnection() throws {
        daemon = try TestDaemon()
        let admin = try daemon.admin()
        try admin.createDepartment("sales")
        try admin.createAttendant("ana@example.com", departments: ["sales"])
        let guesser = try daemon.connect()
        for index in 0..<10 {
            assertError(1001, try guesser.callResult("auth.login", ["login": .string("guess\(index)@example.com"),
                                                                    "password": "Wrong1234"]))
        }
        assertError(1029, try guesser.callResult("auth.login", ["login": "ana@example.com",
            "password": .string(TestDaemon.password)]), "a connection with 10 failures gets no more tries")
        assertError(1001, try guesser.callResult("queue.list"), "and stays unauthenticated")
        XCTAssertNotNil(try daemon.attendant(login: "ana@example.com"), "other connections log in")
    }

    // MARK: - Authorization between attendants

    func testAttendantCannotTouchAnotherAttendantsChatsOrOtherDepartments() throws {
        daemon = try TestDaemon()
        let admin = try daemon.admin()
        try admin.createDepartment("sales", strategy: "manual")
        try admin.createDepartment("support", strategy: "manual")
        let anaId = try admin.createAttendant("ana@example.com", departments: ["sales"])
        let biaId = try admin.createAttendant("bia@example.com", departments: ["sales"])
        let ana = try daemon.attendant(login: "ana@example.com")
        let bia = try daemon.attendant(login: "bia@example.com")
        let bot = try daemon.bot()
        let anaChat = try bot.openChat("ana-chat", department: "sales", text: "for ana")
        let biaChat = try bot.openChat("bia-chat", phone: "21987654321", department: "sales")
        let anaOld = try bot.openChat("ana-old", phone: "31987654321", department: "sales")
        let supportChat = try bot.openChat("support", phone: "41987654321", department: "support")
        try ana.call("conversation.take", ["id": .int(anaChat.id)])
        try ana.call("conversation.take", ["id": .int(anaOld.id)])
        try ana.call("conversation.close", ["id": .int(anaOld.id)])
        try bia.call("conversation.take", ["id": .int(biaChat.id)])
        let before = try [anaChat, anaOld, supportChat].map { try admin.call("conversation.get", ["id": .int($0.id)]) }
        let history = try admin.call("conversation.history", ["id": .int(anaChat.id)])
        func attempts(_ id: Int64) -> [(String, JSON)] {
            [("conversation.get", ["id": .int(id)]), ("conversation.history", ["id": .int(id)]),
             ("conversation.reply", ["id": .int(id), "text": "mine now"]), ("conversation.close", ["id": .int(id)]),
             ("conversation.transfer", ["id": .int(id), "department": "support"]),
             ("conversation.transfer", ["id": .int(id), "attendantId": .int(biaId)])]
        }
        for (method, params) in attempts(anaChat.id) + attempts(anaOld.id) {
            assertError(1003, try bia.callResult(method, params), "bia \(method) on ana's chat")
        }
        for (method, params) in attempts(supportChat.id) + [("conversation.take", ["id": .int(supportChat.id)])] {
            assertError(1003, try ana.callResult(method, params), "ana \(method) in a department she does not serve")
        }
        let take = try bia.callResult("conversation.take", ["id": .int(anaChat.id)])
        XCTAssertTrue([1003, 1010].contains(take.failureCode), "bia takes ana's chat: \(take)")
        let roleBound: [(String, JSON?)] = [
            ("conversation.open", ["externalId": "x", "contact": ["phone": "11987654321"]]),
            ("conversation.message", ["id": .int(anaChat.id), "text": "spoof"]),
            ("conversation.route", ["id": .int(supportChat.id), "department": "sales"]),
            ("conversation.rate", ["id": .int(anaOld.id), "score": 1]),
            ("conversation.explain", ["id": .int(anaChat.id)]), ("attendant.get", ["id": .int(anaId)]),
            ("attendant.update", ["id": .int(biaId), "departments": ["sales", "support"]]),
            ("attendant.list", nil), ("settings.update", ["attendantsCanRemovePotentials": true]),
            ("department.create", ["id": "mine", "name": "Mine"]), ("stats.get", nil), ("metrics.get", nil),
            ("monitor.subscribe", nil), ("potentials.remove", ["id": .int(anaChat.id)]),
        ]
        for (method, params) in roleBound {
            assertError(1003, try bia.callResult(method, params), "an attendant calls \(method)")
        }
        XCTAssertFalse(try ana.call("queue.list").list("waiting").contains { $0.id == supportChat.id })
        let after = try [anaChat, anaOld, supportChat].map { try admin.call("conversation.get", ["id": .int($0.id)]) }
        XCTAssertEqual(after, before, "a refused attempt changed a chat")
        XCTAssertEqual(try admin.call("conversation.history", ["id": .int(anaChat.id)]), history)
        // Pushes about ana's chat reach ana only.
        _ = bia.drainEvents()
        try bot.call("conversation.message", ["id": .int(anaChat.id), "text": "private"])
        XCTAssertNotNil(try ana.nextEvent(ofType: "conversation.message", timeout: 10))
        try bia.call("system.ping")
        XCTAssertFalse(bia.drainEvents().contains { $0["conversation"]?.id == anaChat.id }, "bia saw ana's chat")
    }

    // MARK: - Permission changes reach open sessions

    func testSettingsAndDepartmentChangesApplyToOpenSessionsAtOnce() throws {
        daemon = try TestDaemon()
        let admin = try daemon.admin()
        try admin.createDepartment("sales", strategy: "manual")
        try admin.createDepartment("support", strategy: "manual")
        let id = try admin.createAttendant("ana@example.com", departments: ["sales", "support"])
        try admin.createAttendant("night@example.com", departments: ["sales"], ["hours": hoursExcludingNow()])
        let ana = try daemon.attendant(login: "ana@example.com")
        let bot = try daemon.bot()
        try bot.call("contact.save", ["phone": "11987654321", "name": "Maria"])
        let first = try bot.openChat("p1")
        let second = try bot.openChat("p2", phone: "21987654321")
        let waiting = try bot.openChat("w1", phone: "31987654321", department: "support")

        assertError(1003, try ana.callResult("potentials.remove", ["id": .int(first.id)]), "off by default")
        try admin.call("settings.update", ["attendantsCanRemovePotentials": true])
        XCTAssertEqual(try ana.call("potentials.remove", ["id": .int(first.id)])["state"], "removed")
        try admin.call("settings.update", ["attendantsCanRemovePotentials": false])
        assertError(1003, try ana.callResult("potentials.remove", ["id": .int(second.id)]))

        XCTAssertEqual(try ana.call("contacts.list").list("contacts").count, 1)
        try admin.call("settings.update", ["attendantsCanViewBotContacts": false])
        assertError(1003, try ana.callResult("contacts.list"))
        try admin.call("settings.update", ["attendantsCanViewBotContacts": true])
        XCTAssertEqual(try ana.call("contacts.list").list("contacts").count, 1)

        XCTAssertTrue(try ana.call("queue.list").list("waiting").contains { $0.id == waiting.id })
        try admin.call("attendant.update", ["id": .int(id), "departments": ["sales"]])
        XCTAssertFalse(try ana.call("queue.list").list("waiting").contains { $0.id == waiting.id })
        assertError(1003, try ana.callResult("conversation.get", ["id": .int(waiting.id)]))
        assertError(1003, try ana.callResult("conversation.take", ["id": .int(waiting.id)]))

        assertError(1011, try daemon.connect().callResult("auth.login", ["login": "night@example.com",
                                                                          "password": .string(TestDaemon.password)]))
        try admin.call("settings.update", ["restrictAccessToHours": false])
        XCTAssertNotNil(try daemon.attendant(login: "night@example.com"))
        try admin.call("settings.update", ["restrictAccessToHours": true])
        assertError(1011, try daemon.connect().callResult("auth.login", ["login": "night@example.com",
                                                                          "password": .string(TestDaemon.password)]))
    }

    func testDeactivationEndsEverySessionAndKeepsTheChats() throws {
        daemon = try TestDaemon()
        let admin = try daemon.admin()
        try admin.createDepartment("sales")
        let id = try admin.createAttendant("ana@example.com", departments: ["sales"])
        let first = try daemon.attendant(login: "ana@example.com")
        let second = try daemon.attendant(login: "ana@example.com")
        let bot = try daemon.bot()
        let chat = try bot.openChat("kept", department: "sales")
        XCTAssertEqual(chat["attendantId"]?.intValue, id)
        try admin.call("attendant.update", ["id": .int(id), "active": false])
        for session in [first, second] {
            let ended = try session.nextEvent(ofType: "session.ended", timeout: 10)
            XCTAssertEqual(ended?["reason"], "deactivated")
            XCTAssertTrue(session.isClosedByServer(timeout: 10), "a deactivated attendant's connection is closed")
        }
        assertError(1003, try daemon.connect().callResult("auth.login", ["login": "ana@example.com",
                                                                          "password": .string(TestDaemon.password)]))
        XCTAssertEqual(try admin.call("conversation.get", ["id": .int(chat.id)])["attendantId"]?.intValue, id)
        let next = try bot.openChat("not-for-ana", phone: "21987654321", department: "sales")
        XCTAssertEqual(next["state"], "queued", "an inactive attendant gets no chats")
        try admin.call("attendant.update", ["id": .int(id), "active": true])
        let back = try daemon.attendant(login: "ana@example.com")
        let assigned = try back.call("queue.list").list("assigned").map(\.id)
        XCTAssertTrue(assigned.contains(chat.id), "the chat stayed hers: \(assigned)")
    }
}

extension Result where Failure == RPCError {
    /// The error code, or nil on success.
    var failureCode: Int? {
        if case .failure(let error) = self { return error.code }
        return nil
    }
}
