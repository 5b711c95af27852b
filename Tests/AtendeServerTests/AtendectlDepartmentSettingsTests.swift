// `atendectl department add|edit` with every routing setting of contract v2: offers, reply timeouts, wrap-up,
// overflow (its two halves as separate options, an edit of one half keeping the other), wait alerts, the priority
// step and the service-level target; a malformed value is a usage error naming the option, a value out of range
// the daemon's refusal naming the member, and a refused command changes nothing.

import AtendeClient
import AtendeProtocol
import Foundation
import XCTest

extension AtendectlTests {
    func testDepartmentAddAndEditTakeEveryRoutingSetting() throws {
        try ok(["department", "add", "support", "Support"])
        try ok(["department", "add", "backup", "Backup"])
        let added = try ok(["department", "add", "vip", "VIP", "--offer-timeout", "30", "--reply-timeout", "120",
                            "--wrap-up", "15", "--overflow-department", "support", "--overflow-after", "90",
                            "--wait-alert", "45", "--priority-step", "300", "--service-level", "20", "--json"]).json
        XCTAssertEqual(added["offerTimeout"], 30)
        XCTAssertEqual(added["replyTimeout"], 120)
        XCTAssertEqual(added["wrapUp"], 15)
        XCTAssertEqual(added["overflow"], ["after": 90, "department": "support"])
        XCTAssertEqual(added["waitAlert"], 45)
        XCTAssertEqual(added["priorityStep"], 300)
        XCTAssertEqual(added["serviceLevel"], 20)

        var edited = try ok(["department", "edit", "vip", "--overflow-after", "600", "--json"]).json
        XCTAssertEqual(edited["overflow"], ["after": 600, "department": "support"], "the target is kept")
        edited = try ok(["department", "edit", "vip", "--overflow-department", "backup", "--json"]).json
        XCTAssertEqual(edited["overflow"], ["after": 600, "department": "backup"], "the wait is kept")
        edited = try ok(["department", "edit", "vip", "--wait-alert", "off", "--priority-step", "0",
                         "--service-level", "3600", "--json"]).json
        XCTAssertEqual(edited["waitAlert"], .null)
        XCTAssertEqual(edited["priorityStep"], 0)
        XCTAssertEqual(edited["serviceLevel"], 3600)
        edited = try ok(["department", "edit", "vip", "--overflow-department", "off", "--json"]).json
        XCTAssertEqual(edited["overflow"], .null)
        edited = try ok(["department", "edit", "vip", "--overflow-department", "support", "--overflow-after", "10",
                         "--json"]).json
        XCTAssertEqual(edited["overflow"], ["after": 10, "department": "support"])
        let settled = try daemon.admin().call("department.list").list("departments").first { $0["id"] == "vip" }
        XCTAssertEqual(settled?["overflow"], ["after": 10, "department": "support"], "stored, not only echoed")
        XCTAssertEqual(settled?["waitAlert"], .null, "stored, not only echoed")
        let admin = try daemon.admin()
        try admin.call("department.update", ["id": "vip", "waitAlert": 60])
        XCTAssertEqual(try admin.call("department.update", ["id": "vip", "waitAlert": .null])["waitAlert"], .null,
                       "null in department.update turns the alert off")
        XCTAssertEqual(try admin.call("department.update", ["id": "vip", "name": "VIP"])["serviceLevel"], 3600,
                       "an update without a member keeps it")
    }

    func testDepartmentSettingsRefuseBadValuesNamingThem() throws {
        try ok(["department", "add", "support", "Support"])
        let before = try ok(["department", "add", "vip", "VIP", "--overflow-department", "support",
                             "--overflow-after", "90", "--json"]).json
        let malformed: [(arguments: [String], says: String)] = [
            (["--priority-step", "soon"], "--priority-step must be a whole number of seconds, not 'soon'"),
            (["--service-level", "1.5"], "--service-level must be a whole number of seconds"),
            (["--wait-alert", "never"], "--wait-alert must be a whole number of seconds or off"),
            (["--overflow-after", "later"], "--overflow-after must be a whole number of seconds"),
            (["--overflow-department", "off", "--overflow-after", "30"], "no meaning with --overflow-department off"),
            (["--service-level", "off"], "--service-level must be a whole number of seconds, not 'off'"),
        ]
        for (arguments, says) in malformed {
            let run = try ctl(["department", "edit", "vip"] + arguments)
            XCTAssertEqual(run.status, 2, "\(arguments): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains(says), "\(arguments): \(run.stderr)")
        }
        let half = try ctl(["department", "add", "sales", "Sales", "--overflow-department", "support"])
        XCTAssertEqual(half.status, 2)
        XCTAssertTrue(half.stderr.contains("--overflow-department needs --overflow-after SECONDS"), half.stderr)
        let other = try ctl(["department", "add", "sales", "Sales", "--overflow-after", "60"])
        XCTAssertEqual(other.status, 2)
        XCTAssertTrue(other.stderr.contains("--overflow-after needs --overflow-department ID"), other.stderr)
        try ok(["department", "add", "sales", "Sales"])
        let noOverflowYet = try ctl(["department", "edit", "sales", "--overflow-after", "60"])
        XCTAssertEqual(noOverflowYet.status, 2, "sales has no overflow to take the target from")
        XCTAssertTrue(noOverflowYet.stderr.contains("--overflow-department ID"), noOverflowYet.stderr)
        let unknown = try ctl(["department", "edit", "nowhere", "--overflow-after", "60"])
        XCTAssertEqual(unknown.status, 1, "the daemon's refusal: \(unknown.stderr)")
        XCTAssertTrue(unknown.stderr.contains("1004"), unknown.stderr)

        let outOfRange: [(arguments: [String], member: String)] = [
            (["--priority-step", "86401"], "priorityStep"),
            (["--service-level", "0"], "serviceLevel"),
            (["--wait-alert", "9"], "waitAlert"),
            (["--overflow-after", "5"], "overflow.after"),
            (["--overflow-department", "vip"], "overflow.department"),
            (["--overflow-department", "nowhere"], "overflow.department"),
            (["--priority-step", "-1", "--service-level", "30"], "priorityStep"),
        ]
        for (arguments, member) in outOfRange {
            let run = try ctl(["department", "edit", "vip"] + arguments)
            XCTAssertEqual(run.status, 1, "\(arguments): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains(member), "\(arguments) names \(member): \(run.stderr)")
        }
        let after = try daemon.admin().call("department.list").list("departments").first { $0["id"] == "vip" }
        XCTAssertEqual(after, before, "a refused edit changed nothing")
    }

    func testDepartmentSettingsHaveHelpAndCompletion() throws {
        let help = try ok(["department", "edit", "--help"]).stdout
        for option in ["--offer-timeout", "--reply-timeout", "--wrap-up", "--overflow-department", "--overflow-after",
                       "--wait-alert", "--priority-step", "--service-level"] {
            XCTAssertTrue(help.contains(option), "\(option) in: \(help)")
            XCTAssertTrue(try ok(["department", "add", "--help"]).stdout.contains(option), option)
        }
        let script = try ok(["completion", "bash"]).stdout
        XCTAssertTrue(script.contains("--overflow-department"), "completion knows the new options")
    }
}
