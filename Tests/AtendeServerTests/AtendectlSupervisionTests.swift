// atendectl's supervision commands end to end (an extension of AtendectlTests, sharing its runner):
// `conversation list` flagging a chat held by an attendant who went offline, `settings holidays add|list|remove`
// with a bad date refused by name, `report`'s service-level table, and `top --once` showing today's service
// level, the oldest wait and the stuck chats.

import AtendeClient
import AtendeProtocol
import Foundation
import XCTest

extension AtendectlTests {
    func testConversationListFlagsChatsHeldByOfflineAttendants() throws {
        try ok(["department", "add", "sales", "Sales"])
        let admin = try daemon.admin()
        let ana = try admin.createAttendant("ana", departments: ["sales"])
        let session = try daemon.attendant(login: "ana")
        let bot = try daemon.bot()
        let held = try bot.openChat("wa-1", phone: "11987650001", department: "sales")
        _ = try session.nextEvent(ofType: "conversation.assigned", timeout: 10)
        daemon.disconnect(session)
        try eventually("ana is offline") {
            try admin.call("attendant.get", ["id": .int(ana)])["presence"] == "offline"
        }
        let run = try ok(["conversation", "list"], environment: ["COLUMNS": "200"])
        let line = try XCTUnwrap(row(run.stdout, first: String(held.id), after: "ID"), run.stdout)
        XCTAssertEqual(line[1], "assigned")
        XCTAssertEqual(line.last, "offline!", run.stdout)
        XCTAssertTrue(run.stdout.contains("Ana Souza"), "the attendant by name: \(run.stdout)")
        let byLogin = try ok(["conversation", "list", "--attendant", "ana", "--json"]).json
        XCTAssertEqual(byLogin["conversations"]?.arrayValue?.map(\.id), [held.id])
        // A number goes as it is (a deleted attendant's chats keep its id); an empty answer says when it names
        // nobody, as a login that is nobody's is refused.
        XCTAssertEqual(try ok(["conversation", "list", "--attendant", "99"]).stdout,
                       "no conversations (no attendant 99 exists now)\n")
        XCTAssertEqual(try ok(["conversation", "list", "--department", "nope"]).stdout,
                       "no conversations (no department 'nope' exists now)\n")
        XCTAssertEqual(try ctl(["conversation", "list", "--attendant", "nobody@example.com"]).status, 1)
        let json = try ok(["conversation", "list", "--state", "assigned", "--json"]).json
        XCTAssertEqual(json["conversations"]?.arrayValue?.map(\.id), [held.id])
        XCTAssertEqual(try ok(["conversation", "list", "--state", "closed"]).stdout, "no conversations\n")
        XCTAssertEqual(try ctl(["conversation", "list", "--state", "lost"]).status, 1, "the daemon refuses it")
    }

    func testSettingsHolidaysAddListRemove() throws {
        XCTAssertEqual(try ok(["settings", "holidays", "list"]).stdout, "no holidays\n")
        let added = try ok(["settings", "holidays", "add", "2026-12-25", "Natal", "em", "família"]).stdout
        XCTAssertTrue(added.contains("2026-12-25") && added.contains("Natal em família"), added)
        try ok(["settings", "holidays", "add", "2027-01-01", "Ano Novo"])
        let listed = try ok(["settings", "holidays", "list", "--json"]).json
        XCTAssertEqual(listed.arrayValue?.compactMap { $0["date"]?.stringValue }, ["2026-12-25", "2027-01-01"])
        // Refused as typed, before anything is sent: a day the calendar lacks, a shape that is not a date, a
        // date that already has a holiday (adding must not rename it).
        for (arguments, mentions) in [(["2026-02-30", "Nada"], "2026-02 has 28 days"),
                                      (["25/12/2026", "Natal"], "YYYY-MM-DD"),
                                      (["2026-12-25", "Outro"], "already a holiday (Natal em família)")] {
            let bad = try ctl(["settings", "holidays", "add"] + arguments)
            XCTAssertEqual(bad.status, 2, "\(arguments): \(bad.stderr)")
            XCTAssertTrue(bad.stderr.contains(mentions), "\(arguments): \(bad.stderr)")
        }
        XCTAssertEqual(try ok(["settings", "holidays", "list", "--json"]).json, listed, "nothing changed")
        XCTAssertTrue(try ctl(["settings", "holidays", "remove", "bad"]).stderr.contains("YYYY-MM-DD"))
        try ok(["settings", "holidays", "remove", "2026-12-25"])
        XCTAssertEqual(try ok(["settings", "holidays", "list", "--json"]).json.arrayValue?.count, 1)
        let gone = try ctl(["settings", "holidays", "remove", "2026-12-25"])
        XCTAssertEqual(gone.status, 1, "no such holiday: not a usage error")
        XCTAssertTrue(gone.stderr.contains("error 1004") && gone.stderr.contains("holiday on 2026-12-25"), gone.stderr)
        // Holidays are a list of their own: `settings set` sends the user to the right command.
        let set = try ctl(["settings", "set", "holidays=x"])
        XCTAssertEqual(set.status, 2)
        XCTAssertTrue(set.stderr.contains("atendectl settings holidays add|remove"), set.stderr)
        // The group inside `settings` has its own help, and a missing subcommand names it.
        let help = try ok(["settings", "holidays", "--help"]).stdout
        XCTAssertTrue(help.contains("settings holidays add") && help.contains("settings holidays remove"), help)
        let bare = try ctl(["settings", "holidays"])
        XCTAssertEqual(bare.status, 2)
        XCTAssertTrue(bare.stderr.contains("'settings holidays' needs a subcommand"), bare.stderr)
    }

    func testReportAndTopShowTheServiceLevel() throws {
        try ok(["department", "add", "sales", "Sales"])
        try ok(["department", "add", "vip", "VIP", "--strategy", "manual"])
        let admin = try daemon.admin()
        _ = try admin.createAttendant("ana", departments: ["sales"])
        let session = try daemon.attendant(login: "ana")
        let bot = try daemon.bot()
        let served = try bot.openChat("wa-1", phone: "11987650001", department: "sales")
        _ = try session.nextEvent(ofType: "conversation.assigned", timeout: 10)
        try session.call("conversation.reply", ["id": .int(served.id), "text": "olá"])
        try session.call("conversation.close", ["id": .int(served.id)])
        let gone = try bot.openChat("wa-2", phone: "11987650002", department: "vip")
        try bot.call("conversation.close", ["id": .int(gone.id)])
        try bot.openChat("wa-3", phone: "11987650003", department: "vip")

        let report = try ok(["report"], environment: ["COLUMNS": "200"]).stdout
        XCTAssertEqual(Array(try XCTUnwrap(row(report, first: "sales", after: "DEPARTMENT"), report)[1...3]),
                       ["1", "0", "100%"])
        XCTAssertEqual(Array(try XCTUnwrap(row(report, first: "vip", after: "DEPARTMENT"), report)[1...3]),
                       ["0", "1", "0%"])
        XCTAssertTrue(report.contains("HANDLED"), report)
        let json = try ok(["report", "--json", "--since", "2000-01-01T00:00:00Z"]).json
        XCTAssertEqual(json["departments"]?["sales"]?["served"], 1)
        XCTAssertTrue(report.contains("Ana Souza"), "attendants by name: \(report)")
        let byDate = try ok(["report", "--json", "--since", "2000-01-01"]).json
        XCTAssertEqual(byDate["departments"]?["sales"]?["served"], 1, "a date is its local midnight")
        XCTAssertEqual(try ctl(["report", "--since", "2000-02-30"]).status, 1, "not a date: the daemon refuses it")

        let top = try ok(["top", "--once"], environment: ["COLUMNS": "200"]).stdout
        XCTAssertTrue(top.contains("service level 50%"), "1 of 2 counted chats answered in time: \(top)")
        XCTAssertTrue(top.contains("oldest wait "), top)
        daemon.disconnect(session)
        XCTAssertEqual(try ok(["--help"]).stdout.contains("report"), true)
        XCTAssertTrue(try ok(["conversation", "list", "--help"]).stdout.contains("offline!"))
    }
}

extension AtendectlTests {
    /// `conversation priority` and `conversation position`: a waiting chat moved ahead, and where it stands.
    func testConversationPriorityMovesAWaitingChatAhead() throws {
        try ok(["department", "add", "vip", "VIP", "--strategy", "manual"])
        let bot = try daemon.bot()
        let first = try bot.openChat("wa-1", phone: "11987650001", department: "vip")
        let second = try bot.openChat("wa-2", phone: "11987650002", department: "vip")
        XCTAssertTrue(try ok(["conversation", "position", String(second.id)]).stdout
            .hasPrefix("#\(second.id) is 2 of 2 waiting"))
        let moved = try ok(["conversation", "priority", String(second.id), "5"])
        XCTAssertEqual(moved.stdout, "#\(second.id) now has priority 5\n")
        let standing = try ok(["conversation", "position", "#\(second.id)", "--json"]).json
        XCTAssertEqual(standing["position"], 1)
        XCTAssertEqual(try ok(["conversation", "position", String(first.id), "--json"]).json["position"], 2)
        XCTAssertEqual(try ctl(["conversation", "priority", String(second.id), "10"]).status, 2)
        XCTAssertEqual(try ctl(["conversation", "priority", "999", "1"]).status, 1, "the daemon knows no chat 999")
        XCTAssertTrue(try ok(["explain", String(first.id)]).stdout.contains("its department is manual"),
                      "a waiting chat of a manual department is waiting to be taken, not for room")
    }
}
