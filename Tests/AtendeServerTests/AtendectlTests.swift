// AtendectlTests: atendectl tested end to end, the way a person or a script uses it — the real binary run against
// a real atended on a temp socket (TestDaemon), checking stdout, --json output, stderr and exit codes. The bot
// side of a conversation is played by an RPCClient in the test, since atendectl has no bot commands.

import AtendeClient
import AtendeProtocol
import Foundation
import XCTest

/// What one run of atendectl produced.
struct CtlRun {
    /// The exit status.
    let status: Int32
    /// Everything written on stdout.
    let stdout: String
    /// Everything written on stderr.
    let stderr: String

    /// stdout parsed as JSON (for --json runs); `.null` when it is not JSON.
    var json: JSON { (try? JSONParser.parse(stdout.trimmingCharacters(in: .whitespacesAndNewlines))) ?? .null }
}

final class AtendectlTests: XCTestCase {
    var daemon: TestDaemon!
    var scratch: String!

    override func setUpWithError() throws {
        daemon = try TestDaemon()
        scratch = daemon.directory
    }

    override func tearDownWithError() throws {
        daemon = nil
    }

    // MARK: - Running the binary

    /// The atendectl built next to atended (or `$ATENDECTL_BINARY`).
    static func binary() throws -> String {
        if let path = ProcessInfo.processInfo.environment["ATENDECTL_BINARY"] { return path }
        let path = URL(fileURLWithPath: try TestDaemon.binary()).deletingLastPathComponent()
            .appendingPathComponent("atendectl").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestDaemonError(description: "atendectl not found at \(path); build it with `swift build`")
        }
        return path
    }

    /// Runs atendectl with `arguments` against the test daemon's socket; `stdin` is fed as the whole input.
    @discardableResult
    func ctl(_ arguments: [String], stdin: String = "", environment extra: [String: String] = [:],
             socket: String? = nil) throws -> CtlRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.binary())
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        for key in ["ATENDE_ADMIN_TOKEN", "ATENDE_LOGIN", "ATENDE_PASSWORD", "ATENDE_ADDRESS", "COLUMNS"] {
            environment[key] = nil
        }
        environment["ATENDE_SOCKET"] = socket ?? daemon.socketPath
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let stamp = UUID().uuidString
        let input = scratch + "/ctl-\(stamp).in", output = scratch + "/ctl-\(stamp).out"
        let errors = scratch + "/ctl-\(stamp).err"
        _ = FileManager.default.createFile(atPath: input, contents: Data(stdin.utf8))
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        process.standardInput = FileHandle(forReadingAtPath: input)
        process.standardOutput = FileHandle(forWritingAtPath: output)
        process.standardError = FileHandle(forWritingAtPath: errors)
        try process.run()
        process.waitUntilExit()
        func text(_ path: String) -> String {
            String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
        }
        return CtlRun(status: process.terminationStatus, stdout: text(output), stderr: text(errors))
    }

    /// Runs atendectl and asserts exit status 0; returns the run.
    @discardableResult
    func ok(_ arguments: [String], stdin: String = "", environment: [String: String] = [:],
            file: StaticString = #filePath, line: UInt = #line) throws -> CtlRun {
        let run = try ctl(arguments, stdin: stdin, environment: environment)
        XCTAssertEqual(run.status, 0, "\(arguments): \(run.stderr)", file: file, line: line)
        return run
    }

    /// Creates an attendant through atendectl (password on stdin); returns its id.
    @discardableResult
    func addAttendant(_ login: String, departments: [String], extra: [String] = []) throws -> Int64 {
        var arguments = ["attendant", "add", "--name", "Ana Souza", "--login", login, "--json"]
        for department in departments { arguments += ["--department", department] }
        let run = try ok(arguments + extra, stdin: TestDaemon.password + "\n")
        return run.json["id"]?.intValue ?? -1
    }

    // MARK: - Departments

    func testDepartmentAddListEditDelete() throws {
        let added = try ok(["department", "add", "sales", "Sales", "team"])
        XCTAssertTrue(added.stdout.contains("created department sales \"Sales team\""), added.stdout)
        try ok(["department", "add", "support", "--name", "Support", "--strategy", "manual"])
        let routed = try ok(["department", "add", "vip", "VIP", "--offer-timeout", "30", "--wait-alert", "90"]).stdout
        XCTAssertTrue(routed.contains("created department vip \"VIP\" (least-busy): offers 30s, wait alert 1m 30s"),
                      "what was set is shown: \(routed)")

        let table = try ok(["department", "list"]).stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(table.first?.split(separator: " ", omittingEmptySubsequences: true),
                       ["ID", "NAME", "STRATEGY", "ROUTING"])
        XCTAssertTrue(table.contains { $0.hasPrefix("support") && $0.hasSuffix("manual      -") }, "\(table)")
        XCTAssertTrue(table.contains { $0.hasPrefix("vip") && $0.hasSuffix("offers 30s, wait alert 1m 30s") },
                      "\(table)")
        try ok(["department", "delete", "vip"])

        let listed = try ok(["department", "list", "--json"]).json
        let ids = listed["departments"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
        XCTAssertEqual(ids.map(Set.init), ["sales", "support"])

        let duplicate = try ctl(["department", "add", "sales", "Again"])
        XCTAssertEqual(duplicate.status, 1)
        XCTAssertTrue(duplicate.stderr.hasPrefix("atendectl: error 1009:"), duplicate.stderr)
        XCTAssertEqual(duplicate.stdout, "")
        // A script that asked for JSON gets the daemon's error as JSON too.
        let scripted = try ctl(["department", "add", "sales", "Again", "--json"])
        XCTAssertEqual(scripted.status, 1)
        let error = try JSONParser.parse(scripted.stderr.trimmingCharacters(in: .whitespacesAndNewlines))["error"]
        XCTAssertEqual(error?["code"], 1009, scripted.stderr)
        XCTAssertEqual(error?["data"]?["field"], "id", scripted.stderr)

        let edited = try ok(["department", "edit", "sales", "--strategy", "round-robin", "--json"]).json
        XCTAssertEqual(edited["strategy"], "round-robin")
        try ok(["department", "delete", "support"])
        XCTAssertEqual(try ok(["department", "list", "--json"]).json["departments"]?.arrayValue?.count, 1)
    }

    // MARK: - Attendants

    func testAttendantAddListShowEditDeactivate() throws {
        try ok(["department", "add", "sales", "Sales"])
        try ok(["department", "add", "support", "Support"])
        let added = try ok(["attendant", "add", "--name", "Ana Souza", "--login", "ana@example.com",
                            "--departments", "sales,support", "--phone", "(11) 98765-4321", "--max-chats", "3",
                            "--hours", "mon-fri 08:00-12:00,13:00-18:00; sat 08:00-12:00",
                            "--timezone", "America/Manaus", "--json"], stdin: TestDaemon.password + "\n")
        let attendant = added.json
        let id = try XCTUnwrap(attendant["id"]?.intValue, added.stdout)
        XCTAssertFalse(added.stderr.contains("serves no department"), added.stderr)
        // One without a department is made, with a note that it gets no chat until it has one.
        let idle = try ok(["attendant", "add", "--name", "Rui Lima", "--login", "rui@example.com"],
                          stdin: TestDaemon.password + "\n")
        XCTAssertTrue(idle.stdout.hasPrefix("created attendant"), idle.stdout)
        XCTAssertTrue(idle.stderr.contains("serves no department, so no chat goes to it until one is set"),
                      idle.stderr)
        XCTAssertEqual(attendant["phone"], "+5511987654321")
        XCTAssertEqual(attendant["departments"], ["sales", "support"])
        XCTAssertEqual(attendant["maxChats"], 3)
        XCTAssertEqual(attendant["hours"]?["timezone"], "America/Manaus")
        XCTAssertEqual(attendant["hours"]?["week"]?["wed"], [["08:00", "12:00"], ["13:00", "18:00"]])
        XCTAssertEqual(attendant["hours"]?["week"]?["sat"], [["08:00", "12:00"]])
        XCTAssertNil(attendant["hours"]?["week"]?["sun"])
        XCTAssertNil(attendant["password"])

        let list = try ok(["attendant", "list"]).stdout
        XCTAssertTrue(list.contains("ana@example.com") && list.contains("sales, support"), list)
        XCTAssertEqual(try ok(["attendant", "list", "--department", "support", "--json"]).json["attendants"]?
            .arrayValue?.count, 1)

        let shown = try ok(["attendant", "show", "ana@example.com"]).stdout
        XCTAssertTrue(shown.contains("+5511987654321"), shown)
        XCTAssertTrue(shown.contains("mon-fri 08:00-12:00,13:00-18:00; sat 08:00-12:00 (America/Manaus)"), shown)

        let edited = try ok(["attendant", "edit", String(id), "--max-chats", "7", "--hours", "always", "--no-phone",
                             "--email", "ana@example.com", "--json"]).json
        XCTAssertEqual(edited["maxChats"], 7)
        XCTAssertEqual(edited["hours"], "always")
        XCTAssertNil(edited["phone"])
        XCTAssertEqual(edited["email"], "ana@example.com")
        // The password given on stdin is the one that works (now that the hours cannot be in the way).
        _ = try daemon.attendant(login: "ana@example.com")

        let deactivated = try ok(["attendant", "deactivate", String(id)])
        XCTAssertTrue(deactivated.stdout.contains("deactivated attendant \(id)"), deactivated.stdout)
        XCTAssertEqual(try ok(["attendant", "show", String(id), "--json"]).json["active"], false)
        let refused = try ctl(["login", "ana@example.com"], stdin: TestDaemon.password + "\n")
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("error 1003"), refused.stderr)
        try ok(["attendant", "activate", "ana@example.com"])
        XCTAssertEqual(try ok(["attendant", "show", String(id), "--json"]).json["active"], true)
    }

    /// `--hours` on edit writes the week and keeps the date exceptions (it used to drop them without a word); `show`
    /// lists them.
    func testEditingTheWeekKeepsTheDateExceptions() throws {
        try ok(["department", "add", "sales", "Sales"])
        let hours = #"{"week":{"mon":[["08:00","18:00"]]},"exceptions":["#
            + #"{"date":"2026-12-24","intervals":[["08:00","12:00"]]},{"date":"2026-12-31","intervals":[]}]}"#
        try ok(["attendant", "add", "--name", "Eva Lima", "--login", "eva@example.com", "--departments", "sales",
                "--hours-json", hours], stdin: TestDaemon.password + "\n")
        let shown = try ok(["attendant", "show", "eva@example.com"]).stdout
        XCTAssertTrue(shown.contains("mon 08:00-18:00"), shown)
        XCTAssertTrue(shown.contains("on 2026-12-24 08:00-12:00, 2026-12-31 off"), shown)
        let edited = try ok(["attendant", "edit", "eva@example.com", "--hours", "mon-tue 08:00-18:00", "--json"]).json
        XCTAssertEqual(edited["hours"]?["week"]?["tue"], [["08:00", "18:00"]])
        XCTAssertEqual(edited["hours"]?["exceptions"]?.arrayValue?.compactMap { $0["date"]?.stringValue },
                       ["2026-12-24", "2026-12-31"])
        let replaced = try ok(["attendant", "edit", "eva@example.com", "--hours-json",
                               #"{"week":{"mon":[["09:00","17:00"]]}}"#, "--json"]).json
        XCTAssertTrue(replaced["hours"]?["exceptions"]?.arrayValue?.isEmpty ?? true, "--hours-json replaces all")
    }

    func testAttendantPhotoSetAndSave() throws {
        try ok(["department", "add", "sales", "Sales"])
        let id = try addAttendant("ana", departments: ["sales"])
        // A 1x1 PNG, named without an extension: the type must come from the bytes.
        let png = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8"
            + "z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")!
        let picture = scratch + "/picture"
        _ = FileManager.default.createFile(atPath: picture, contents: png)
        let set = try ok(["attendant", "photo", String(id), picture])
        XCTAssertTrue(set.stdout.contains("image/png"), set.stdout)
        XCTAssertEqual(try ok(["attendant", "show", String(id), "--json"]).json["hasImage"], true)

        let saved = scratch + "/saved.png"
        try ok(["attendant", "photo", "ana", "--save", saved])
        XCTAssertEqual(FileManager.default.contents(atPath: saved), png)

        let text = scratch + "/notes.txt"
        _ = FileManager.default.createFile(atPath: text, contents: Data("hello".utf8))
        let refused = try ctl(["attendant", "photo", String(id), text])
        XCTAssertEqual(refused.status, 2, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("not a PNG, JPEG or WebP"), refused.stderr)
    }

    func testInvalidPhoneIsRefusedNamingTheField() throws {
        try ok(["department", "add", "sales", "Sales"])
        let run = try ctl(["attendant", "add", "--name", "Ana Souza", "--login", "ana", "--department", "sales",
                           "--phone", "123"], stdin: TestDaemon.password + "\n")
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stdout, "")
        XCTAssertTrue(run.stderr.hasPrefix("atendectl: error -32602:"), run.stderr)
        XCTAssertTrue(run.stderr.contains("phone"), run.stderr)
        XCTAssertEqual(try ok(["attendant", "list", "--json"]).json["attendants"], [])
    }

    // MARK: - Settings

    func testSettingsShowAndSet() throws {
        let shown = try ok(["settings", "show"]).stdout
        XCTAssertTrue(shown.contains("restrictAccessToHours") && shown.contains("yes"), shown)
        let changed = try ok(["settings", "set", "restrict-access-to-hours=no", "attendantsCanRemovePotentials=true",
                              "--json"]).json
        XCTAssertEqual(changed["restrictAccessToHours"], false)
        XCTAssertEqual(changed["attendantsCanRemovePotentials"], true)
        XCTAssertEqual(try ok(["settings", "show", "--json"]).json, changed)

        let unknown = try ctl(["settings", "set", "noSuchSetting=true"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("noSuchSetting"), unknown.stderr)
    }

    /// Contract v2's settings that are not switches: a word and a count, typed as such.
    func testSettingsSetTakesTheRequeueRuleAndTheMissedOfferCount() throws {
        let changed = try ok(["settings", "set", "requeueOnOffline=all", "max-missed-offers=3", "--json"]).json
        XCTAssertEqual(changed["requeueOnOffline"], "all")
        XCTAssertEqual(changed["maxMissedOffers"], 3)
        let shown = try ok(["settings", "show"]).stdout
        XCTAssertTrue(shown.contains("maxMissedOffers") && shown.contains("turns away"), shown)

        for (pair, mentions) in [("requeueOnOffline=sometimes", "none, unanswered, all"),
                                 ("maxMissedOffers=-1", "from 0 to 100"), ("maxMissedOffers=two", "from 0 to 100")] {
            let refused = try ctl(["settings", "set", pair])
            XCTAssertEqual(refused.status, 2, "\(pair): \(refused.stderr)")
            XCTAssertTrue(refused.stderr.contains(mentions), "\(pair): \(refused.stderr)")
        }
        XCTAssertEqual(try ok(["settings", "show", "--json"]).json, changed, "a refused value changes nothing")
    }

    // MARK: - Exit codes

    func testUsageErrorsExit2() throws {
        try ok(["department", "add", "sales", "Sales"])
        let cases: [(arguments: [String], stdin: String, mentions: String)] = [
            (["frob"], "", "unknown command"),
            ([], "", "usage: atendectl"),
            (["department"], "", "needs a subcommand"),
            (["admin"], "", "'admin' needs a subcommand"),
            (["department", "add", "x", "X", "--offer-timeout", "30", "--offer-timeout", "40"], "",
             "--offer-timeout is given twice"),
            (["ping", "--socket", "/tmp/a", "--socket", "/tmp/b"], "", "--socket is given twice"),
            (["conversation", "bogus"], "", "unknown subcommand 'bogus' of 'conversation'"),
            (["department", "add"], "", "missing department ID"),
            (["department", "add", "x", "X", "--strategy", "fastest"], "", "--strategy"),
            (["department", "list", "--bogus"], "", "unknown option '--bogus'"),
            (["attendant", "add", "--name", "Ana Souza"], "Secret123\n", "missing --login"),
            (["attendant", "add", "--name", "Ana Souza", "--login", "ana"], "", "no password"),
            (["attendant", "add", "--name", "Ana Souza", "--login", "ana", "--hours", "mon-fri 8-12x"],
             "Secret123\n", "--hours"),
            (["attendant", "add", "--name", "Ana Souza", "--login", "ana", "--hours", "someday 08:00-12:00"],
             "Secret123\n", "not a day"),
            (["attendant", "edit", "1", "--max-chats", "0"], "", "--max-chats"),
            (["attendant", "edit", "1"], "", "nothing to change"),
            (["settings", "set", "restrictAccessToHours"], "", "KEY=VALUE"),
            (["queue"], "", "--login"),
            (["take", "abc", "--login", "ana"], "", "not a conversation ID"),
            (["reply", "12", "--login", "ana"], "", "missing TEXT"),
            (["attend", "--login", "ana"], "", "needs a terminal"),
            (["ping", "--socket"], "", "--socket needs a value"),
            (["--bogus", "ping"], "", "unknown option '--bogus' before the command"),
            (["--bogus=1", "department", "list"], "", "unknown option '--bogus' before the command"),
            (["--token", "ping"], "", "--token needs a value: 'ping' was taken as it, so COMMAND is missing"),
            (["--json", "--socket", "department"], "", "--socket needs a value: 'department' was taken as it"),
        ]
        for (arguments, stdin, mentions) in cases {
            let run = try ctl(arguments, stdin: stdin)
            XCTAssertEqual(run.status, 2, "\(arguments): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains(mentions), "\(arguments) should mention \(mentions): \(run.stderr)")
            XCTAssertEqual(run.stdout, "", "\(arguments)")
        }
        XCTAssertEqual(try ok(["attendant", "list", "--json"]).json["attendants"], [], "a usage error changed data")
    }

    func testNoDaemonExits3() throws {
        let missing = scratch + "/nobody-here.sock"
        for arguments in [["ping"], ["department", "list"], ["queue", "--login", "ana"]] {
            let run = try ctl(arguments, stdin: "Secret123\n", socket: missing)
            XCTAssertEqual(run.status, 3, "\(arguments): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains("cannot connect"), run.stderr)
        }
        XCTAssertEqual(try ctl(["ping"]).status, 0, "the running daemon answers")
    }

    func testAuthenticationFailuresExit4() throws {
        try ok(["department", "add", "sales", "Sales"])
        try addAttendant("ana", departments: ["sales"])
        let wrongPassword = try ctl(["queue", "--login", "ana"], stdin: "Wrong1234\n")
        XCTAssertEqual(wrongPassword.status, 4, wrongPassword.stderr)
        XCTAssertTrue(wrongPassword.stderr.contains("error 1001"), wrongPassword.stderr)
        let fromEnvironment = try ctl(["queue"], environment: ["ATENDE_LOGIN": "ana", "ATENDE_PASSWORD": "Wrong1234"])
        XCTAssertEqual(fromEnvironment.status, 4, fromEnvironment.stderr)
        let wrongToken = try ctl(["department", "list", "--token", "not-the-token"])
        XCTAssertEqual(wrongToken.status, 4, wrongToken.stderr)
        XCTAssertTrue(wrongToken.stderr.contains("adminToken"), "the hint says which token: \(wrongToken.stderr)")
    }

    // MARK: - The attendant's one-shot commands

    func testAttendantOneShotFlow() throws {
        try ok(["department", "add", "support", "Support", "--strategy", "manual"])
        try addAttendant("ana", departments: ["support"])
        let bot = try daemon.bot()
        let chat = try bot.openChat("whatsapp-1", department: "support", text: "Olá", name: "Maria Silva")
        let id = String(chat.id)

        let login = try ok(["login", "ana"], stdin: TestDaemon.password + "\n")
        XCTAssertTrue(login.stdout.contains("Ana Souza"), login.stdout)
        XCTAssertTrue(login.stderr.contains("attend"), "login explains sessions: \(login.stderr)")

        let queue = try ok(["queue", "--login", "ana"], stdin: TestDaemon.password + "\n").stdout
        XCTAssertTrue(queue.contains("Maria Silva +5511987654321"), queue)
        let queueJSON = try ok(["queue", "--json"], environment: ["ATENDE_LOGIN": "ana",
                                                                  "ATENDE_PASSWORD": TestDaemon.password]).json
        XCTAssertEqual(queueJSON["waiting"]?.arrayValue?.map(\.id), [chat.id])
        XCTAssertEqual(queueJSON["assigned"], [])

        let session = ["--login", "ana"]
        let taken = try ok(["take", id, "--json"] + session, stdin: TestDaemon.password + "\n").json
        XCTAssertEqual(taken["state"], "assigned")
        let again = try ctl(["take", id] + session, stdin: TestDaemon.password + "\n")
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("error 1010"), again.stderr)

        try ok(["reply", id, "Bom", "dia,", "Maria"] + session, stdin: TestDaemon.password + "\n")
        let delivered = try XCTUnwrap(bot.nextEvent(ofType: "conversation.reply"))
        XCTAssertEqual(delivered["message"]?["text"], "Bom dia, Maria")
        try ok(["reply", "#" + id, "-"] + session, stdin: TestDaemon.password + "\nline one\nline two\n")
        XCTAssertEqual(try XCTUnwrap(bot.nextEvent(ofType: "conversation.reply"))["message"]?["text"],
                       "line one\nline two")

        let history = try ok(["history", id]).stdout
        XCTAssertTrue(history.contains("contact: Olá") && history.contains("attendant: Bom dia, Maria"), history)

        let closed = try ok(["close", id] + session, stdin: TestDaemon.password + "\n")
        XCTAssertTrue(closed.stdout.contains("closed #\(id)"), closed.stdout)
        XCTAssertEqual(try XCTUnwrap(bot.nextEvent(ofType: "conversation.closed"))["conversation"]?["state"],
                       "closed")
        let stats = try ok(["stats", "--json"]).json
        XCTAssertEqual(stats["departments"]?["support"]?["assigned"], 0)
    }

    func testTransferToAnotherDepartment() throws {
        try ok(["department", "add", "support", "Support", "--strategy", "manual"])
        try ok(["department", "add", "billing", "Billing", "--strategy", "manual"])
        try addAttendant("ana", departments: ["support"])
        let chat = try daemon.bot().openChat("whatsapp-2", department: "support")
        let session = ["--login", "ana"]
        try ok(["take", String(chat.id)] + session, stdin: TestDaemon.password + "\n")
        let moved = try ok(["transfer", String(chat.id), "billing", "--json"] + session,
                           stdin: TestDaemon.password + "\n").json
        XCTAssertEqual(moved["department"], "billing")
        XCTAssertEqual(moved["state"], "queued")
        let potentials = try ok(["potentials"]).stdout
        XCTAssertEqual(potentials, "no potentials\n")
    }
}
