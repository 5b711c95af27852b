// AtendectlFrictionTests: what a new user tripped on, end to end with the real atendectl and atended. One-shot
// attendant commands leave no chat stranded (passive logins); a photo too big for one request line is refused
// first with the real limit, and the daemon's own error is shown when it comes; unknown settings are named;
// history names who wrote what; hours accept 8-18 and overnight ranges; the socket search names what it tried;
// passwords are checked locally with every broken rule; department ids are hinted; times carry their offset;
// unlock, delete, route, contacts and potentials remove exist.

import AtendeClient
import AtendeProtocol
import AtendeTestSupport
import Foundation
import XCTest

final class AtendectlFrictionTests: XCTestCase {
    private var daemon: TestDaemon!
    private var admin: RPCClient!
    private var bot: RPCClient!

    override func setUpWithError() throws {
        daemon = try TestDaemon()
        admin = try daemon.admin()
        bot = try daemon.bot()
        try admin.createDepartment("vendas", name: "Vendas")
    }

    override func tearDown() {
        admin = nil
        bot = nil
        daemon = nil
    }

    /// Runs atendectl in `directory` (default: the daemon's) with `ATENDE_SOCKET` set unless `socket` is "".
    private func ctl(_ arguments: [String], stdin: String = "", environment extra: [String: String] = [:],
                     socket: String? = nil, directory: String? = nil) throws -> CtlRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try AtendectlTests.binary())
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        for key in ["ATENDE_ADMIN_TOKEN", "ATENDE_LOGIN", "ATENDE_PASSWORD", "COLUMNS", "TZ", "ATENDE_TIMEZONE",
                    "ATENDE_SOCKET"] { environment[key] = nil }
        let path = socket ?? daemon.socketPath
        if !path.isEmpty { environment["ATENDE_SOCKET"] = path }
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: directory ?? daemon.directory)
        let stamp = UUID().uuidString
        let base = daemon.directory + "/ctl-\(stamp)"
        _ = FileManager.default.createFile(atPath: base + ".in", contents: Data(stdin.utf8))
        _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
        process.standardInput = FileHandle(forReadingAtPath: base + ".in")
        process.standardOutput = FileHandle(forWritingAtPath: base + ".out")
        process.standardError = FileHandle(forWritingAtPath: base + ".err")
        try process.run()
        process.waitUntilExit()
        func text(_ path: String) -> String {
            String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
        }
        return CtlRun(status: process.terminationStatus, stdout: text(base + ".out"), stderr: text(base + ".err"))
    }

    private func asAna(_ extra: [String: String] = [:]) -> [String: String] {
        ["ATENDE_PASSWORD": TestDaemon.password].merging(extra) { $1 }
    }

    // MARK: - Bugs

    func testOneShotAttendantCommandsLeaveNoChatStranded() throws {
        let ana = try admin.createAttendant("ana@x.example", departments: ["vendas"])
        let chat = try bot.openChat("f-1", department: "vendas").id
        for arguments in [["login", "ana@x.example"], ["queue", "--login", "ana@x.example"],
                          ["settings", "show", "--login", "ana@x.example"]] {
            let run = try ctl(arguments, environment: asAna())
            XCTAssertEqual(run.status, 0, "\(arguments): \(run.stderr)")
            XCTAssertEqual(try admin.call("conversation.get", ["id": .int(chat)])["state"]?.stringValue, "queued",
                           "\(arguments) must not take the waiting chat")
            XCTAssertEqual(try admin.call("attendant.get", ["id": .int(ana)])["presence"]?.stringValue, "offline")
        }
    }

    func testPhotoTooLargeForOneLineIsRefusedWithTheRealLimitAndTheDaemonErrorIsShown() throws {
        let ana = try admin.createAttendant("ana@photo.example", departments: ["vendas"])
        let path = daemon.directory + "/big.jpg"
        let jpeg = TestImages.jpeg(size: 900 * 1024)
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(jpeg)))
        let refused = try ctl(["attendant", "photo", String(ana), path])
        XCTAssertEqual(refused.status, 2, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("786240"), refused.stderr)
        XCTAssertFalse(refused.stderr.contains("750"), refused.stderr)
        let forced = try ctl(["attendant", "photo", String(ana), path, "--force"])
        XCTAssertEqual(forced.status, 1, "the daemon answered: \(forced.stderr)")
        XCTAssertTrue(forced.stderr.contains("line longer than"), forced.stderr)
        XCTAssertFalse(forced.stderr.contains("connection to atended lost"), forced.stderr)
    }

    func testSettingsSetNamesAnUnknownKeyAndListsTheValidOnes() throws {
        let run = try ctl(["settings", "set", "foo=bar"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("unknown setting 'foo'"), run.stderr)
        XCTAssertTrue(run.stderr.contains("restrictAccessToHours"), run.stderr)
        XCTAssertFalse(run.stderr.contains("true or false"), run.stderr)
    }

    func testHistoryNamesWhoWroteAndWhoTransferred() throws {
        let ana = try admin.createAttendant("ana@h.example", departments: ["vendas"])
        try admin.createAttendant("rui@h.example", departments: ["vendas"], ["name": "Rui Lima"])
        let anaClient = try daemon.attendant(login: "ana@h.example")
        let chat = try bot.openChat("h-1", department: "vendas", text: "Oi").id
        try anaClient.call("conversation.reply", ["id": .int(chat), "text": "Olá, aqui é a Ana"])
        let rui = try daemon.attendant(login: "rui@h.example")
        let moved = try ctl(["transfer", String(chat), "--to", "rui@h.example", "--login", "ana@h.example"],
                            environment: asAna())
        XCTAssertEqual(moved.status, 0, moved.stderr)
        try rui.call("conversation.reply", ["id": .int(chat), "text": "E aqui o Rui"])
        let asRui = try ctl(["history", String(chat), "--login", "rui@h.example"], environment: asAna())
        XCTAssertEqual(asRui.status, 0, asRui.stderr)
        XCTAssertTrue(asRui.stdout.contains("Ana Souza, attendant: Olá, aqui é a Ana"), asRui.stdout)
        XCTAssertTrue(asRui.stdout.contains("you: E aqui o Rui"), asRui.stdout)
        XCTAssertTrue(asRui.stdout.contains("transferred by Ana Souza to you"), asRui.stdout)
        XCTAssertFalse(asRui.stdout.contains(" attendant: E aqui"), asRui.stdout)
        _ = ana
    }

    // MARK: - Friction

    func testHoursAcceptShortTimesAndSplitOvernightRanges() throws {
        let run = try ctl(["attendant", "add", "--name", "Ana Souza", "--login", "ana@hours.example",
                           "--department", "vendas", "--hours", "mon-fri 8-18; sat 22:00-02:00", "--json"],
                          stdin: TestDaemon.password + "\n")
        XCTAssertEqual(run.status, 0, run.stderr)
        let week = run.json["hours"]?["week"]
        XCTAssertEqual(week?["mon"], [["08:00", "18:00"]])
        XCTAssertEqual(week?["sat"], [["22:00", "24:00"]])
        XCTAssertEqual(week?["sun"], [["00:00", "02:00"]])
        let bad = try ctl(["attendant", "add", "--name", "Ana Souza", "--login", "x@hours.example",
                           "--hours", "mon 25-26"], stdin: TestDaemon.password + "\n")
        XCTAssertEqual(bad.status, 2, "refused locally: \(bad.stderr)")
    }

    func testNewPasswordsAreCheckedLocallyListingEveryBrokenRule() throws {
        let run = try ctl(["attendant", "add", "--name", "Ana Souza", "--login", "ana@pw.example"], stdin: "abc\n")
        XCTAssertEqual(run.status, 2)
        for rule in ["shorter than 8", "no digit", "no upper-case"] {
            XCTAssertTrue(run.stderr.contains(rule), run.stderr)
        }
        XCTAssertEqual(try admin.call("attendant.list").list("attendants").count, 0)
    }

    func testDepartmentNamesGetAHintAndAWaitingTransferAWarning() throws {
        let run = try ctl(["attendant", "add", "--name", "Ana Souza", "--login", "ana@dept.example",
                           "--department", "Vendas"], stdin: TestDaemon.password + "\n")
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("did you mean 'vendas'"), run.stderr)
        try admin.createDepartment("suporte", name: "Suporte")
        let chat = try bot.openChat("d-1", department: "vendas").id
        let moved = try ctl(["transfer", String(chat), "suporte"])
        XCTAssertEqual(moved.status, 0, moved.stderr)
        XCTAssertTrue(moved.stderr.contains("nobody in suporte can take it now"), moved.stderr)
    }

    func testSocketSearchNamesEveryPathTried() throws {
        let elsewhere = daemon.directory + "/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        let run = try ctl(["ping"], socket: "", directory: elsewhere)
        XCTAssertEqual(run.status, 3)
        XCTAssertTrue(run.stderr.contains("var/atende.sock"), run.stderr)
        XCTAssertTrue(run.stderr.contains("/run/atende/atende.sock"), run.stderr)
        // The project's var/atende.sock is found without being named.
        let project = daemon.directory + "/project"
        try FileManager.default.createDirectory(atPath: project + "/var", withIntermediateDirectories: true)
        XCTAssertEqual(symlink(daemon.socketPath, project + "/var/atende.sock"), 0)
        let found = try ctl(["ping"], socket: "", directory: project)
        XCTAssertEqual(found.status, 0, found.stderr)
    }

    func testVersionAndCompletionInHelp() throws {
        let version = try ctl(["--version"], socket: "")
        XCTAssertEqual(version.status, 0)
        XCTAssertTrue(version.stdout.hasPrefix("atendectl "), version.stdout)
        let help = try ctl(["--help"], socket: "")
        XCTAssertTrue(help.stdout.contains("completion"), help.stdout)
    }

    func testTimesCarryTheirOffset() throws {
        let ana = try admin.createAttendant("ana@time.example", departments: ["vendas"])
        let show = try ctl(["attendant", "show", String(ana)])
        XCTAssertTrue(show.stdout.contains(" -03:00"), show.stdout)
        let utc = try ctl(["attendant", "show", String(ana)], environment: ["ATENDE_TIMEZONE": "UTC"])
        XCTAssertTrue(utc.stdout.contains(" +00:00"), utc.stdout)
    }

    func testTimesAreInTheDaemonsZone() throws {
        daemon.config["timezone"] = "America/Manaus"
        try daemon.restart()
        admin = try daemon.admin()
        let ana = try admin.createAttendant("ana@zone.example", departments: ["vendas"])
        let show = try ctl(["attendant", "show", String(ana)])
        XCTAssertTrue(show.stdout.contains(" -04:00"), "the daemon's zone, Manaus: \(show.stdout)")
        let chosen = try ctl(["attendant", "show", String(ana)], environment: ["TZ": "UTC"])
        XCTAssertTrue(chosen.stdout.contains(" +00:00"), "the environment's zone wins: \(chosen.stdout)")
    }

    /// A zone glibc does not know would silently be UTC: ATENDE_TIMEZONE naming one is a usage error naming it;
    /// a TZ naming one (the machine's setting, as in a container without the zone database) is passed over for
    /// the daemon's zone. The forms glibc does read (a POSIX rule, a zone file) still work.
    func testAnUnknownZoneIsAnErrorNamingTheVariable() throws {
        let ana = try admin.createAttendant("ana@mars.example", departments: ["vendas"])
        for zone in ["Mars/X", "../../etc/passwd"] {
            let run = try ctl(["attendant", "show", String(ana)], environment: ["ATENDE_TIMEZONE": zone])
            XCTAssertEqual(run.status, 2, "ATENDE_TIMEZONE=\(zone): \(run.stderr)")
            XCTAssertTrue(run.stderr.hasPrefix("atendectl: ATENDE_TIMEZONE '\(zone)' is not a time zone"), run.stderr)
            XCTAssertEqual(run.stdout, "")
        }
        for (environment, offset) in [(["TZ": "UTC0"], " +00:00"), (["TZ": "<-02>2"], " -02:00"),
                                      (["TZ": ":America/Manaus"], " -04:00"),
                                      (["TZ": "/usr/share/zoneinfo/America/Manaus"], " -04:00"),
                                      (["TZ": "garbage"], " -03:00"), (["TZ": "America/Nowhere"], " -03:00"),
                                      (["TZ": "garbage", "ATENDE_TIMEZONE": "America/Manaus"], " -04:00")] {
            let run = try ctl(["attendant", "show", String(ana)], environment: environment)
            XCTAssertEqual(run.status, 0, "\(environment): \(run.stderr)")
            XCTAssertTrue(run.stdout.contains(offset), "\(environment): \(run.stdout)")
        }
    }

    func testErrorsInPlainWords() throws {
        try admin.createAttendant("ana@err.example", departments: ["vendas"])
        let wrong = try ctl(["login", "ana@err.example"], environment: ["ATENDE_PASSWORD": "Wrong1234x"])
        XCTAssertEqual(wrong.status, 4)
        XCTAssertTrue(wrong.stderr.contains("error 1001: wrong login or password\n"), wrong.stderr)
        XCTAssertFalse(wrong.stderr.contains("(password: wrong login or password)"), wrong.stderr)
        let phone = try ctl(["attendant", "add", "--name", "Rui Lima", "--login", "rui@err.example", "--phone", "123"],
                            stdin: TestDaemon.password + "\n")
        XCTAssertTrue(phone.stderr.hasPrefix("atendectl: error -32602: phone "), phone.stderr)
        XCTAssertFalse(phone.stderr.contains("invalid params"), phone.stderr)
    }

    func testUnlockDeleteRouteContactsAndPotentialsRemove() throws {
        let ana = try admin.createAttendant("ana@acct.example", departments: ["vendas"])
        for _ in 0..<5 { _ = try ctl(["login", "ana@acct.example"], environment: ["ATENDE_PASSWORD": "Wrong1234x"]) }
        let show = try ctl(["attendant", "show", "ana@acct.example"])
        XCTAssertTrue(show.stdout.contains("locked") && show.stdout.contains("after failed logins"), show.stdout)
        XCTAssertEqual(try ctl(["attendant", "unlock", "ana@acct.example"]).status, 0)
        XCTAssertEqual(try ctl(["login", "ana@acct.example"], environment: asAna()).status, 0)
        let potential = try bot.openChat("p-1").id
        let routed = try ctl(["route", String(potential), "vendas"])
        XCTAssertEqual(routed.status, 0, routed.stderr)
        XCTAssertEqual(try admin.call("conversation.get", ["id": .int(potential)])["state"]?.stringValue, "queued")
        let other = try bot.openChat("p-2").id
        XCTAssertEqual(try ctl(["potentials", "remove", String(other)]).status, 0)
        XCTAssertEqual(try admin.call("conversation.get", ["id": .int(other)])["state"]?.stringValue, "removed")
        try bot.call("contact.save", ["phone": "11987654321", "name": "Maria Silva"])
        let contacts = try ctl(["contacts", "maria"])
        XCTAssertTrue(contacts.stdout.contains("Maria Silva"), contacts.stdout)
        try admin.call("conversation.close", ["id": .int(potential)])
        let deleted = try ctl(["attendant", "delete", "ana@acct.example"])
        XCTAssertEqual(deleted.status, 0, deleted.stderr)
        assertError(1004, try admin.callResult("attendant.get", ["id": .int(ana)]))
    }
}
