// The daemon's WebSocket keepalive over a raw TCP socket: a silent connection gets a ping after `http.pingInterval`;
// one that never answers is closed (and an attendant logged in on it goes offline); one that answers each ping
// with a pong stays open and keeps working. The config key's bounds are checked at start.

import AtendeClient
import AtendeProtocol
import Foundation
import XCTest

final class WebSocketKeepaliveTests: WebTestCase {
    override var extraConfig: [String: JSON] {
        guard case .object(var http) = WebHarness.httpConfig(port: port, panel: panel) else { return [:] }
        http["pingInterval"] = 1
        return ["http": .object(http)]
    }

    /// The next frame that is not a ping (pings are answered with a pong when `answer`, else left unanswered).
    private func nextNonPing(_ socket: RawWebSocket, answer: Bool, pings: inout Int,
                             timeout: Double = 10) throws -> WebSocketFrameDecoder.Next? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard let next = socket.next(timeout: deadline.timeIntervalSinceNow) else { return nil }
            guard case .ping(let data) = next else { return next }
            pings += 1
            if answer { try socket.send(RawWebSocket.frame(.pong, data)) }
        }
        return nil
    }

    func testASilentPeerIsPingedThenClosedAndItsAttendantGoesOffline() throws {
        let admin = try daemon.admin()  // over the Unix socket: no keepalive there
        try admin.createDepartment("sales")
        let id = try admin.createAttendant("ana@example.com", departments: ["sales"])
        let socket = try RawWebSocket(port: port)
        try socket.request(1, "auth.login", #"{"login":"ana@example.com","password":"\#(TestDaemon.password)"}"#)
        var pings = 0
        guard case .text(let login) = try nextNonPing(socket, answer: true, pings: &pings) else {
            return XCTFail("no login answer")
        }
        XCTAssertEqual(try JSONParser.parse(login)["result"]?["presence"], "online")
        // Now silent: a ping comes, goes unanswered, and the daemon hangs up.
        guard case .ping = socket.next(timeout: 10) else { return XCTFail("no ping to a silent connection") }
        XCTAssertTrue(socket.isClosed(timeout: 10), "an unanswered ping closes the connection")
        eventually("the attendant offline with its only connection gone") {
            (try? admin.call("attendant.get", ["id": .int(id)])["presence"]) == "offline"
        }
    }

    func testAPeerThatAnswersPingsStaysOpen() throws {
        let socket = try RawWebSocket(port: port)
        var pings = 0
        // Three intervals and more of silence but for the pongs: each ping answered, no close.
        let deadline = Date().addingTimeInterval(3.5)
        while Date() < deadline {
            if let next = try nextNonPing(socket, answer: true, pings: &pings,
                                          timeout: max(0.05, deadline.timeIntervalSinceNow)) {
                return XCTFail("unexpected frame \(next)")
            }
        }
        XCTAssertGreaterThanOrEqual(pings, 2, "pinged once per silent interval")
        try socket.request(7, "system.ping")
        guard case .text(let answer) = try nextNonPing(socket, answer: true, pings: &pings) else {
            return XCTFail("the connection no longer answers")
        }
        XCTAssertEqual(try JSONParser.parse(answer)["result"]?["pong"], true)
    }
}

final class WebSocketKeepaliveConfigTests: XCTestCase {
    func testPingIntervalBounds() throws {
        for bad: JSON in [-1, 3601, "30", 1.5] {
            let daemon = try TestDaemon(["http": ["listen": "127.0.0.1:8080", "pingInterval": bad]], start: false)
            XCTAssertEqual(try daemon.wait(try daemon.launch()), 78, "\(bad)")
            XCTAssertTrue(daemon.lastStderr.contains("'http.pingInterval'"), daemon.lastStderr)
        }
    }
}
