// `atendectl attend` with offers and wrap-up, driven through a pseudo-terminal as a person would: an offer shows
// with its countdown, `a ID` accepts it and `d ID` declines it, and a closed chat's wrap-up shows until `done ID`
// ends it. What each key did is checked through the daemon, not only on the screen.

import AtendeClient
import AtendeProtocol
import Foundation
import Glibc
import XCTest

extension AtendectlTests {
    /// `atendectl attend` logged in as `login`, running on a new pseudo-terminal.
    func startAttend(_ login: String, rows: Int = 24, columns: Int = 120) throws -> (Process, PseudoTerminal) {
        let terminal = try PseudoTerminal(rows: rows, columns: columns)
        let process = try terminal.start(try Self.binary(), ["attend", "--login", login], environment: [
            "ATENDE_SOCKET": daemon.socketPath, "ATENDE_PASSWORD": TestDaemon.password,
        ])
        return (process, terminal)
    }

    /// The seconds left shown in the offer lines of `text` for chat `id`, in the order they were drawn.
    func countdowns(_ text: String, chat id: Int64) -> [Int] {
        let tail = "s left: accept \(id) / decline \(id)"
        var values: [Int] = []
        var rest = Substring(text)
        while let end = rest.range(of: tail) {
            let before = rest[..<end.lowerBound]
            let digits = before.reversed().prefix { $0.isNumber }
            if before.dropLast(digits.count).hasSuffix("OFFER "), let value = Int(String(digits.reversed())) {
                values.append(value)
            }
            rest = rest[end.upperBound...]
        }
        return values
    }

    func testAttendShowsAnOfferWithItsCountdownAndItsKeysAcceptAndDecline() throws {
        let admin = try daemon.admin()
        try admin.call("department.create", ["id": "sales", "name": "Sales", "offerTimeout": 600])
        try admin.createAttendant("ana", departments: ["sales"])
        let bia = try admin.createAttendant("bia", departments: ["sales"], ["name": "Bia Reis"])
        let (process, terminal) = try startAttend("ana")
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        XCTAssertTrue(terminal.read(until: { $0.contains("ONLINE") }), terminal.text)

        let bot = try daemon.bot()
        let first = try bot.openChat("wa-1", phone: "11987650001", department: "sales")
        XCTAssertEqual(first["state"], "offered")
        XCTAssertTrue(terminal.read(until: { !self.countdowns($0, chat: first.id).isEmpty }), terminal.text)
        let shown = countdowns(terminal.text, chat: first.id)
        XCTAssertTrue(shown.allSatisfy { $0 > 0 && $0 <= 600 }, "\(shown)")
        // The screen ticks every second: the countdown goes down while the offer is open.
        XCTAssertTrue(terminal.read(until: { (self.countdowns($0, chat: first.id).last ?? 600) < shown[0] },
                                    timeout: 15), "\(countdowns(terminal.text, chat: first.id))")
        XCTAssertTrue(terminal.text.contains("is offered to you: accept \(first.id) or decline \(first.id)"))

        terminal.write("a \(first.id)\r")
        XCTAssertTrue(terminal.read(until: { $0.contains("accepted #\(first.id)") }), terminal.text)
        let accepted = try admin.call("conversation.get", ["id": .int(first.id)])
        XCTAssertEqual(accepted["state"], "assigned")
        XCTAssertEqual(accepted["attendantId"]?.intValue, first["attendantId"]?.intValue)

        let second = try bot.openChat("wa-2", phone: "11987650002", department: "sales")
        XCTAssertEqual(second["state"], "offered")
        XCTAssertTrue(terminal.read(until: { !self.countdowns($0, chat: second.id).isEmpty }), terminal.text)
        let biaSession = try daemon.attendant(login: "bia")
        terminal.write("d \(second.id)\r")
        XCTAssertTrue(terminal.read(until: { $0.contains("declined #\(second.id)") }), terminal.text)
        XCTAssertEqual(try expectEvent(biaSession, "conversation.offered")["conversation"]?.id, second.id)
        let declined = try admin.call("conversation.get", ["id": .int(second.id)])
        XCTAssertEqual(declined["state"], "offered")
        XCTAssertEqual(declined["attendantId"]?.intValue, bia, "back to the queue, and on to the other attendant")
        XCTAssertEqual(declined["queuedAt"], second["queuedAt"], "in its original place")

        terminal.write("quit\r")
        XCTAssertTrue(terminal.read(until: { $0.hasSuffix("\u{1B}[?1049l") }), "left the alternate screen")
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
    }

    func testAttendShowsAWrapUpAndItsKeyFinishesIt() throws {
        let admin = try daemon.admin()
        try admin.call("department.create", ["id": "sales", "name": "Sales", "wrapUp": 600])
        let ana = try admin.createAttendant("ana", departments: ["sales"])
        let (process, terminal) = try startAttend("ana")
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        XCTAssertTrue(terminal.read(until: { $0.contains("ONLINE") }), terminal.text)

        let bot = try daemon.bot()
        let chat = try bot.openChat("wa-1", phone: "11987650001", department: "sales")
        XCTAssertEqual(chat["attendantId"]?.intValue, ana)
        XCTAssertTrue(terminal.read(until: { $0.contains("was assigned to you") }), terminal.text)
        try bot.call("conversation.close", ["id": .int(chat.id)])
        XCTAssertTrue(terminal.read(until: {  // with the time left: 10m 00s, or a little less on a slow machine
            $0.range(of: "wrap-up #\(chat.id) (10m 00s|9m [0-9]{2}s) \\(done ID\\)", options: .regularExpression) != nil
        }), terminal.text)
        XCTAssertTrue(terminal.text.contains("wrap-up of #\(chat.id) holds a slot until"), terminal.text)
        XCTAssertEqual(try admin.call("attendant.get", ["id": .int(ana)])["wrappingChats"], 1)

        terminal.write("done \(chat.id)\r")
        XCTAssertTrue(terminal.read(until: { $0.contains("wrap-up of #\(chat.id) finished") }), terminal.text)
        XCTAssertEqual(try admin.call("attendant.get", ["id": .int(ana)])["wrappingChats"], 0)
        XCTAssertNil(try admin.call("conversation.get", ["id": .int(chat.id)])["wrapUpUntil"] ?? nil)
        let refused = terminal.text.count
        terminal.write("done \(chat.id)\r")
        XCTAssertTrue(terminal.read(until: { $0.dropFirst(refused).contains("not in wrap-up") }),
                      "a second done is refused on the status line: \(terminal.text.suffix(2000))")

        terminal.write("quit\r")
        XCTAssertTrue(terminal.read(until: { $0.hasSuffix("\u{1B}[?1049l") }), "left the alternate screen")
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
    }
}
