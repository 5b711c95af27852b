// HalfCloseTests: a client that pipelines requests and then shuts its writing side (what `printf ... | socat`
// does) must get a response to every request with an id before the daemon closes, also when a request in the
// middle hashes a password off the loop (attendant.create, attendant.update with a password, auth.login).
// With durability full and each fsync held back a little, the responses are still with the outbox when the end
// of input is read: the case where they used to be dropped.

import AtendeClient
import AtendeProtocol
import Foundation
import Glibc
import XCTest

final class HalfCloseTests: XCTestCase {
    private var daemon: TestDaemon!
    private var admin: RPCClient!

    override func setUpWithError() throws {
        daemon = try TestDaemon(["durability": "full"], environment: ["ATENDE_TEST_FSYNC_DELAY_MS": "40"])
        admin = try daemon.admin()
        try admin.createDepartment("sales", name: "Sales")
    }

    override func tearDown() {
        admin = nil
        daemon = nil
    }

    /// Sends `lines` on a new connection, shuts the writing side, and reads until the daemon closes; returns the
    /// ids of the responses, in order.
    private func pipelineThenHalfClose(_ lines: [String], file: StaticString = #filePath,
                                       line: UInt = #line) throws -> [Int64] {
        let client = try daemon.connect()
        try client.sendRaw(Array((lines.joined(separator: "\n") + "\n").utf8))
        XCTAssertEqual(shutdown(client.fd, Int32(SHUT_WR)), 0, file: file, line: line)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            var ready = pollfd(fd: client.fd, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 200) >= 0 else { break }
            let count = recv(client.fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count > 0 { received += buffer[0..<count]; continue }
            if count == 0 { break }
            if errno != EAGAIN && errno != EINTR { break }
        }
        return received.split(separator: 10).compactMap { line in
            guard let object = try? JSONParser.parse(Array(line)), object["method"] == nil else { return nil }
            return object["id"]?.intValue
        }
    }

    private func request(_ id: Int, _ method: String, _ params: String = "{}") -> String {
        #"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)","params":\#(params)}"#
    }

    func testEveryResponseComesAfterHalfCloseBehindAttendantCreate() throws {
        let ids = try pipelineThenHalfClose([
            request(1, "auth.admin"),
            request(2, "department.create", #"{"id":"half","name":"Half"}"#),
            request(3, "attendant.create", #"{"name":"Ana Souza","login":"ana@half.example","#
                + #""password":"\#(TestDaemon.password)","departments":["half"]}"#),
            request(4, "settings.get"),
            request(5, "system.ping"),
        ])
        XCTAssertEqual(ids, [1, 2, 3, 4, 5])
    }

    func testEveryResponseComesAfterHalfCloseBehindPasswordUpdate() throws {
        let id = try admin.createAttendant("rui@half.example", departments: ["sales"])
        let ids = try pipelineThenHalfClose([
            request(1, "auth.admin"),
            request(2, "attendant.update", #"{"id":\#(id),"password":"Outra123senha"}"#),
            request(3, "attendant.get", #"{"id":\#(id)}"#),
        ])
        XCTAssertEqual(ids, [1, 2, 3])
        XCTAssertNoThrow(try daemon.attendant(login: "rui@half.example", password: "Outra123senha"))
    }

    func testEveryResponseComesAfterHalfCloseBehindLogin() throws {
        try admin.createAttendant("eva@half.example", departments: ["sales"])
        let ids = try pipelineThenHalfClose([
            request(1, "auth.login", #"{"login":"eva@half.example","password":"\#(TestDaemon.password)"}"#),
            request(2, "queue.list"),
            request(3, "auth.login", #"{"login":"eva@half.example","password":"Wrong1234x"}"#),
            request(4, "system.ping"),
        ])
        XCTAssertEqual(ids, [1, 2, 3, 4])
    }

    func testBatchWithLoginIsAnsweredAfterHalfClose() throws {
        try admin.createAttendant("lia@half.example", departments: ["sales"])
        let batch = "[" + request(1, "system.ping") + ","
            + request(2, "auth.login", #"{"login":"lia@half.example","password":"\#(TestDaemon.password)"}"#)
            + "," + request(3, "queue.list") + "]"
        let client = try daemon.connect()
        try client.sendRaw(Array((batch + "\n" + request(4, "system.ping") + "\n").utf8))
        shutdown(client.fd, Int32(SHUT_WR))
        let batchReply = try client.nextResponse(timeout: 20)
        XCTAssertEqual(batchReply.arrayValue?.compactMap { $0["id"]?.intValue }, [1, 2, 3])
        XCTAssertEqual(try client.nextResponse(timeout: 20)["id"]?.intValue, 4)
        XCTAssertTrue(client.isClosedByServer(timeout: 5))
    }
}
