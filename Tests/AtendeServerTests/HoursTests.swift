// HoursTests: working-hour boundaries crossed while the daemon runs. Hours are given to the second ("HH:MM:SS"),
// starting or ending a few seconds from now in the attendant's time zone, so the daemon's own timer has to act:
// no request arrives at the boundary to wake it. The tests wait for the push or poll the presence; they never
// assert how fast that happened. Near local midnight they skip, because the interval would wrap the day.

import AtendeClient
import AtendeProtocol
import Foundation
import XCTest

final class HoursTests: DaemonTestCase {
    private let zone = "America/Sao_Paulo"

    /// Today's day name and "HH:MM:SS" for now + `seconds`, in `zone`; skips when that crosses midnight.
    private func localTime(in seconds: Double) throws -> (day: String, time: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: zone)!
        let now = Date()
        let later = now.addingTimeInterval(seconds)
        guard calendar.isDate(now, inSameDayAs: later.addingTimeInterval(30)) else {
            throw XCTSkip("too close to midnight in \(zone)")
        }
        let parts = calendar.dateComponents([.hour, .minute, .second], from: later)
        let time = String(format: "%02d:%02d:%02d", parts.hour!, parts.minute!, parts.second!)
        return (weekday(of: now, in: zone), time)
    }

    func testHoursStartingLetWaitingChatsFlowWithoutANewMessage() throws {
        try admin.call("settings.update", ["restrictAccessToHours": false])
        let start = try localTime(in: 3)
        let hours: JSON = ["timezone": .string(zone), "week": [start.day: [[.string(start.time), "24:00"]]]]
        let ana = try staff("ana", ["sales"], ["hours": hours])
        let chat = try bot.openChat("h-1", department: "sales")
        if try attendant(ana.id)["presence"] == "off-hours" {
            XCTAssertEqual(try conversation(chat.id)["state"], "queued", "before its hours it gets no chats")
        }
        let assigned = try expectEvent(ana.client, "conversation.assigned", timeout: 20)
        XCTAssertEqual(assigned["conversation"]?.id, chat.id, "the hour boundary is a timer")
        XCTAssertEqual(try attendant(ana.id)["presence"], "online")
    }

    func testHoursEndingStopNewChatsButKeepOpenOnes() throws {
        let end = try localTime(in: 3)
        let hours: JSON = ["timezone": .string(zone), "week": [end.day: [["00:00", .string(end.time)]]]]
        let ana = try staff("ana", ["sales"], ["hours": hours])
        let first = try bot.openChat("h-2", phone: "11900000001", department: "sales")
        XCTAssertEqual(first["attendantId"]?.intValue, ana.id)
        try eventually("ana's hours end", timeout: 20) { try attendant(ana.id)["presence"] == "off-hours" }
        let second = try bot.openChat("h-3", phone: "11900000002", department: "sales")
        XCTAssertEqual(second["state"], "queued", "after its hours it gets no new chats")
        XCTAssertEqual(try conversation(first.id)["attendantId"]?.intValue, ana.id, "open chats stay with it")
        // It may still work on what it has.
        try ana.client.call("conversation.reply", ["id": .int(first.id), "text": "ainda estou aqui"])
    }
}
