// AtendectlOpsTests: the operator's commands of atendectl, end to end like the rest of AtendectlTests (whose daemon
// and `ctl` runner they share, as an extension): `top --once` after real activity, `top` live on a pseudo-terminal
// following pushes, `explain`, `metrics`, the examples in every command's help, and the bash completion script —
// that the committed file is what `completion bash` prints, and that it completes what it should under bash.

import AtendeClient
import AtendeProtocol
import Foundation
import Glibc
import XCTest

extension AtendectlTests {
    /// A table line split into its cells (cells are at least two spaces apart; single spaces stay inside cells).
    func cells(_ line: Substring) -> [String] {
        line.split(separator: "  ", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    /// The table row of `output` whose first cell is `first` (searching after the line `after`).
    func row(_ output: String, first: String, after: String) -> [String]? {
        let lines = output.split(separator: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix(after) }) else { return nil }
        return lines[start...].map(cells).first { $0.first == first }
    }

    // MARK: - top

    func testTopOnceShowsDepartmentsAndAttendantsAfterActivity() throws {
        try ok(["department", "add", "sales", "Sales"])
        try ok(["department", "add", "support", "Support", "--strategy", "manual"])
        let admin = try daemon.admin()
        let ana = try admin.createAttendant("ana", departments: ["sales", "support"], ["maxChats": 3])
        let rui = try admin.createAttendant("rui", departments: ["sales"], ["name": "Rui Lima"])
        let bia = try admin.createAttendant("bia", departments: ["support"], ["name": "Bia Reis"])
        let anaSession = try daemon.attendant(login: "ana")
        _ = try daemon.attendant(login: "rui")
        let bot = try daemon.bot()
        // One chat served and rated, two assigned in sales (one each: least-busy), two waiting in manual support.
        let rated = try bot.openChat("wa-1", phone: "11987650001", department: "sales")
        try bot.call("conversation.close", ["id": .int(rated.id)])
        try bot.call("conversation.rate", ["id": .int(rated.id), "score": 4])
        try bot.openChat("wa-2", phone: "11987650002", department: "sales")
        try bot.openChat("wa-3", phone: "11987650003", department: "sales")
        try bot.openChat("wa-4", phone: "11987650004", department: "support")
        try bot.openChat("wa-5", phone: "11987650005", department: "support")
        try anaSession.call("presence.set", ["presence": "away"])
        let closed = try admin.call("conversation.get", ["id": .int(rated.id)])
        let ratedBy = try XCTUnwrap(closed["attendantId"]?.intValue)

        let run = try ok(["top", "--once"], environment: ["COLUMNS": "200"])
        let output = run.stdout
        XCTAssertTrue(output.contains("1 of 3 attendants online, 2 waiting, 0 potentials"), output)
        XCTAssertEqual(cells(output.split(separator: "\n").first { $0.hasPrefix("ID") && $0.contains("STRATEGY") }
                             ?? ""), ["ID", "NAME", "STRATEGY", "WAITING", "OLDEST WAIT", "ASSIGNED", "ONLINE"])
        let support = try XCTUnwrap(row(output, first: "support", after: "departments"), output)
        XCTAssertEqual(support.count, 7, "\(support)")
        XCTAssertEqual(support[0...3], ["support", "Support", "manual", "2"])
        XCTAssertTrue(support[4].hasSuffix("s"), "the oldest wait is a duration: \(support)")
        XCTAssertEqual(support[5...6], ["0", "0"], "nothing assigned; ana (away) is not online")
        XCTAssertEqual(row(output, first: "sales", after: "departments"),
                       ["sales", "Sales", "least-busy", "0", "-", "2", "1"])

        let anaRow = try XCTUnwrap(row(output, first: String(ana), after: "attendants"), output)
        XCTAssertEqual(Array(anaRow[1...5]), ["Ana Souza", "sales, support", "away", "1/3",
                                              ratedBy == ana ? "4.00 (1)" : "-"])
        XCTAssertEqual(anaRow.last, "now")
        let ruiRow = try XCTUnwrap(row(output, first: String(rui), after: "attendants"), output)
        XCTAssertEqual(Array(ruiRow[1...5]), ["Rui Lima", "sales", "online", "1/5", ratedBy == rui ? "4.00 (1)" : "-"])
        let biaRow = try XCTUnwrap(row(output, first: String(bia), after: "attendants"), output)
        XCTAssertEqual(Array(biaRow[1...]), ["Bia Reis", "support", "offline", "0/5", "-", "never"], output)

        // --sort name puts the attendants in alphabetical order; waiting (the default) puts support first.
        let byName = try ok(["top", "--once", "--sort", "name"], environment: ["COLUMNS": "200"]).stdout
        let names = ["Ana Souza", "Bia Reis", "Rui Lima"].map { byName.range(of: $0)?.lowerBound }
        XCTAssertTrue(names.allSatisfy { $0 != nil } && names == names.sorted { $0! < $1! }, byName)
        XCTAssertLessThan(try XCTUnwrap(output.range(of: "\nsupport")).lowerBound,
                          try XCTUnwrap(output.range(of: "\nsales")).lowerBound, output)

        let json = try ok(["top", "--once", "--json"]).json
        XCTAssertEqual(json["stats"]?["departments"]?["support"]?["waiting"], 2)
        XCTAssertEqual(json["attendants"]?.arrayValue?.count, 3)
        XCTAssertEqual(json["departments"]?.arrayValue?.count, 2)

        // A narrow terminal: every table line fits, the figures stay.
        let narrow = try ok(["top", "--once"], environment: ["COLUMNS": "50"]).stdout
        let tooWide = narrow.components(separatedBy: "\n").dropFirst().filter { $0.count > 50 }
        XCTAssertEqual(tooWide, [], narrow)
        XCTAssertTrue(narrow.contains("WAITING") && narrow.contains("CHATS"), narrow)

        let refused = try ctl(["top"])
        XCTAssertEqual(refused.status, 2, "no terminal: \(refused.stderr)")
        XCTAssertTrue(refused.stderr.contains("--once"), refused.stderr)
        XCTAssertEqual(try ctl(["top", "--once", "--sort", "age"]).status, 2)
    }

    func testTopLiveFollowsPushesAndRestoresTheScreen() throws {
        try ok(["department", "add", "support", "Support", "--strategy", "manual"])
        try daemon.admin().createAttendant("ana", departments: ["support"])
        let terminal = try PseudoTerminal(rows: 24, columns: 80)
        let process = try terminal.start(try Self.binary(), ["top"], environment: ["ATENDE_SOCKET": daemon.socketPath])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        XCTAssertTrue(terminal.read(until: { $0.contains("0 of 1 attendant online, 0 waiting") }), terminal.text)
        // Pushes, not polling of the lists: a login (attendant.changed) and a chat joining the queue (queue.changed).
        let session = try daemon.attendant(login: "ana")
        XCTAssertTrue(terminal.read(until: { $0.contains("1 of 1 attendant online") }), terminal.text)
        try daemon.bot().openChat("wa-live", department: "support")
        XCTAssertTrue(terminal.read(until: { $0.contains("1 of 1 attendant online, 1 waiting") }), terminal.text)
        _ = session

        // A resize (the SIGWINCH a terminal would send): the key line is cut to the new width.
        terminal.resize(rows: 20, columns: 60)
        kill(process.processIdentifier, SIGWINCH)
        let keys = BoardKeys.line.prefix(59) + "…"
        XCTAssertTrue(terminal.read(until: { $0.contains(keys) }), terminal.text)

        terminal.write("n")
        XCTAssertTrue(terminal.read(until: { $0.contains("(now: name)") }), terminal.text)
        terminal.write("q")
        XCTAssertTrue(terminal.read(until: { $0.hasSuffix("\u{1B}[?1049l") }), "left the alternate screen")
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
    }

    // MARK: - explain

    func testExplainNamesTheChosenAttendantAndTheStandings() throws {
        try ok(["department", "add", "sales", "Sales"])
        let admin = try daemon.admin()
        let caio = try admin.createAttendant("caio", departments: ["sales"], ["name": "Caio Prado", "maxChats": 1])
        let ana = try admin.createAttendant("ana", departments: ["sales"])
        let rui = try admin.createAttendant("rui", departments: ["sales"], ["name": "Rui Lima"])
        let bia = try admin.createAttendant("bia", departments: ["sales"], ["name": "Bia Reis"])
        let bot = try daemon.bot()
        _ = try daemon.attendant(login: "caio")
        let first = try bot.openChat("wa-1", phone: "11987650001", department: "sales")
        XCTAssertEqual(first["attendantId"]?.intValue, caio)
        _ = try daemon.attendant(login: "ana")
        try daemon.attendant(login: "rui").call("presence.set", ["presence": "away"])
        let chat = try bot.openChat("wa-2", phone: "11987650002", department: "sales")
        XCTAssertEqual(chat["attendantId"]?.intValue, ana)

        let output = try ok(["explain", String(chat.id)], environment: ["COLUMNS": "200"]).stdout
        XCTAssertTrue(output.contains("1 routing decision (assignments or offers)"), output)
        XCTAssertTrue(output.contains("department sales (least-busy)"), output)
        XCTAssertTrue(output.contains("rule: the least-busy strategy"), output)
        XCTAssertTrue(output.contains("chosen: Ana Souza (attendant \(ana))"), output)
        let standings: [(name: String, id: Int64, standing: String, chats: String)] = [
            ("Ana Souza", ana, "chosen", "0/5"), ("Caio Prado", caio, "at capacity", "1/1"),
            ("Rui Lima", rui, "away", "0/5"), ("Bia Reis", bia, "offline", "0/5"),
        ]
        for expected in standings {
            let line = try XCTUnwrap(row(output, first: expected.name, after: "   ATTENDANT"), output)
            XCTAssertEqual(Array(line.prefix(4)), [expected.name, String(expected.id), expected.standing,
                                                   expected.chats], output)
            XCTAssertTrue(line.count == 5 && line[4].hasSuffix("s"), "idle is a duration: \(line)")
        }

        let json = try ok(["explain", "#\(chat.id)", "--json"]).json
        XCTAssertEqual(json["conversationId"]?.intValue, chat.id)
        XCTAssertEqual(json["explanations"]?.arrayValue?.first?["chosenName"], "Ana Souza")

        let waiting = try bot.openChat("wa-3", phone: "11987650003")
        XCTAssertTrue(try ok(["explain", String(waiting.id)]).stdout.contains("no routing decision yet"))
        let missing = try ctl(["explain", "999"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("error 1004"), missing.stderr)
        XCTAssertEqual(try ctl(["explain", "abc"]).status, 2)
    }

    // MARK: - metrics

    func testMetricsPrintsPrometheusText() throws {
        try ok(["department", "add", "support", "Support", "--strategy", "manual"])
        try daemon.bot().openChat("wa-1", department: "support")
        let output = try ok(["metrics"]).stdout
        XCTAssertTrue(output.hasSuffix("\n"), output)
        let sample = try NSRegularExpression(pattern: #"^[a-zA-Z_:][a-zA-Z0-9_:]*"#
            + #"(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)$"#)
        let comment = try NSRegularExpression(pattern: #"^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|"#
            + #"TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))$"#)
        var samples = 0
        for line in output.split(separator: "\n").map(String.init) {
            let range = NSRange(line.startIndex..., in: line)
            let isSample = sample.firstMatch(in: line, range: range) != nil
            let isComment = comment.firstMatch(in: line, range: range) != nil
            XCTAssertTrue(isSample || isComment, "not Prometheus text: \(line)")
            if isSample { samples += 1 }
        }
        XCTAssertGreaterThan(samples, 0, output)
        XCTAssertTrue(output.contains("atende_waiting_conversations{department=\"support\"} 1\n"), output)
        XCTAssertEqual(try ok(["metrics", "--json"]).json["text"]?.stringValue, output)
    }

    // MARK: - Help and completion

    func testEveryCommandsHelpHasExamples() throws {
        let overview = try ok(["--help"]).stdout
        XCTAssertTrue(overview.contains("examples:"), overview)
        let lines = overview.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try XCTUnwrap(lines.firstIndex(of: "commands:"))
        let names = lines[(start + 1)...].prefix { !$0.isEmpty }.map { String(cells($0)[0]) }
        XCTAssertTrue(names.contains("top") && names.contains("explain") && names.contains("metrics"), "\(names)")
        XCTAssertFalse(names.contains("completion"), "completion is hidden")
        for name in names + ["completion", "department", "attendant", "settings"] {
            let help = try ok(name.split(separator: " ").map(String.init) + ["--help"]).stdout
            XCTAssertTrue(help.lowercased().contains("examples:\n  atendectl "),
                          "\(name) --help has no example:\n\(help)")
        }
    }

    /// The committed config/atendectl.bash.
    static var committedCompletion: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let data = FileManager.default.contents(atPath: root.appendingPathComponent("config/atendectl.bash").path)
        return String(decoding: data ?? Data(), as: UTF8.self)
    }

    func testCompletionFileIsTheGeneratedScript() throws {
        let generated = try ok(["completion", "bash"]).stdout
        XCTAssertTrue(generated.contains("complete -F _atendectl atendectl"), generated)
        XCTAssertEqual(Self.committedCompletion, generated,
                       "config/atendectl.bash is stale: run atendectl completion bash > config/atendectl.bash")
        XCTAssertEqual(try ctl(["completion", "zsh"]).status, 2)
    }

    func testBashCompletionCompletesCommandsOptionsAndDepartments() throws {
        guard FileManager.default.isExecutableFile(atPath: "/bin/bash") else { throw XCTSkip("no bash") }
        try ok(["department", "add", "sales", "Sales"])
        try ok(["department", "add", "support", "Support"])
        let script = scratch + "/atendectl.bash"
        _ = FileManager.default.createFile(atPath: script, contents: Data(try ok(["completion", "bash"]).stdout.utf8))
        let program = try Self.binary()
        let cases: [(line: String, expected: [String])] = [
            ("p", ["ping", "potentials"]),
            ("help att", ["attendant", "attend"]),
            ("dep", ["department"]),
            ("department ", ["add", "list", "edit", "delete"]),
            ("department add x --s", ["--strategy", "--service-level", "--socket"]),
            ("department add x --strategy r", ["round-robin"]),
            ("attendant list --presence o", ["online", "offline", "off-hours"]),
            ("top --sort=p", ["presence"]),
            ("top -", ["--once", "--sort", "--socket", "--token", "--json", "--help"]),
            ("department edit ", ["sales", "support"]),
            ("department edit sales --overflow-department s", ["sales", "support"]),
            ("transfer 12 su", ["support"]),
            ("attendant add --departments sales,s", ["sales,sales", "sales,support"]),
            ("--socket /nowhere.sock department delete ", []),
        ]
        for (line, expected) in cases {
            let run = Process()
            run.executableURL = URL(fileURLWithPath: "/bin/bash")
            let typed = program + " " + line
            run.arguments = ["--norc", "--noprofile", "-c", """
                source "$1"; COMP_LINE=$2; COMP_POINT=${#COMP_LINE}
                read -ra COMP_WORDS <<< "$COMP_LINE"; [[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
                COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _atendectl; printf '%s\\n' "${COMPREPLY[@]}"
                """, "bash", script, typed]
            run.environment = ["ATENDE_SOCKET": daemon.socketPath, "PATH": "/usr/bin:/bin", "HOME": scratch]
            let output = Pipe()
            run.standardOutput = output
            run.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try run.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            run.waitUntilExit()
            let offered = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
            XCTAssertEqual(Set(offered), Set(expected), "completing '\(line)'")
        }
    }
}

/// The key line of the live `top`, as the test expects to see it cut (kept here in words, not imported).
enum BoardKeys {
    static let line = "q quit   sort: w waiting, p presence, n name (now: waiting)   r read everything again"
}

/// A pseudo-terminal pair for running an interactive command under test.
final class PseudoTerminal {
    /// The side the test reads and writes (the "keyboard and screen").
    let primary: Int32
    /// The side the program gets as its terminal.
    private(set) var secondary: Int32
    /// Everything the program wrote.
    private(set) var output: [UInt8] = []

    init(rows: Int, columns: Int) throws {
        // grantpt, unlockpt and ptsname are hidden from Swift's Glibc module (they need _XOPEN_SOURCE), so they are
        // looked up in the C library itself.
        typealias Call = @convention(c) (Int32) -> Int32
        typealias Name = @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?
        let libc = dlopen(nil, RTLD_NOW)
        guard let grant = dlsym(libc, "grantpt"), let unlock = dlsym(libc, "unlockpt"),
              let name = dlsym(libc, "ptsname") else {
            throw TestDaemonError(description: "grantpt, unlockpt or ptsname not found")
        }
        primary = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        guard primary >= 0, unsafeBitCast(grant, to: Call.self)(primary) == 0,
              unsafeBitCast(unlock, to: Call.self)(primary) == 0,
              let path = unsafeBitCast(name, to: Name.self)(primary) else {
            throw TestDaemonError(description: "no pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        secondary = open(path, O_RDWR | O_NOCTTY)
        guard secondary >= 0 else { throw TestDaemonError(description: "cannot open \(String(cString: path))") }
        resize(rows: rows, columns: columns)
    }

    deinit {
        closeSecondary()
        close(primary)
    }

    /// Closes the program's side in this process (after the program was started with it).
    func closeSecondary() {
        if secondary >= 0 { close(secondary) }
        secondary = -1
    }

    /// Starts `executable` with this terminal as its standard input, output and error, with the test's environment
    /// changed by `environment` (nil removes a variable) and TERM=xterm; then closes the program's side here.
    func start(_ executable: String, _ arguments: [String], environment changes: [String: String?]) throws
        -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in changes { environment[key] = value }
        environment["TERM"] = "xterm"
        process.environment = environment
        process.standardInput = FileHandle(fileDescriptor: secondary, closeOnDealloc: false)
        process.standardOutput = FileHandle(fileDescriptor: secondary, closeOnDealloc: false)
        process.standardError = FileHandle(fileDescriptor: secondary, closeOnDealloc: false)
        try process.run()
        closeSecondary()
        return process
    }

    /// Sets the terminal's size.
    func resize(rows: Int, columns: Int) {
        var size = winsize(ws_row: UInt16(rows), ws_col: UInt16(columns), ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(primary, UInt(TIOCSWINSZ), &size)
    }

    /// Types `text`.
    func write(_ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { Glibc.write(primary, $0.baseAddress, $0.count) }
    }

    /// Everything written so far, as text.
    var text: String { String(decoding: output, as: UTF8.self) }

    /// Reads what the program writes until `condition` holds for all of it (true), or 10 s pass or the program's
    /// side closes (false).
    func read(until condition: (String) -> Bool, timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition(text) {
            guard Date() < deadline else { return false }
            var poller = pollfd(fd: primary, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) >= 0 || errno == EINTR else { return false }
            guard poller.revents != 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = buffer.withUnsafeMutableBytes { Glibc.read(primary, $0.baseAddress, $0.count) }
            guard count > 0 else { return condition(text) }
            output += buffer[0..<count]
        }
        return true
    }
}

extension AtendectlTests {
    // MARK: - offers

    func testDepartmentRoutingSettingsAndExplainedOffers() throws {
        let added = try ok(["department", "add", "offers", "Offers", "--offer-timeout", "30", "--reply-timeout", "60",
                            "--wrap-up", "10", "--json"]).json
        XCTAssertEqual(added["offerTimeout"], 30)
        XCTAssertEqual(added["replyTimeout"], 60)
        XCTAssertEqual(added["wrapUp"], 10)
        let refused = try ctl(["department", "edit", "offers", "--offer-timeout", "2"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("offerTimeout"), refused.stderr)
        XCTAssertEqual(try ctl(["department", "edit", "offers", "--wrap-up", "soon"]).status, 2)
        let admin = try daemon.admin()
        let ana = try admin.createAttendant("ana", departments: ["offers"])
        let session = try daemon.attendant(login: "ana")
        let chat = try daemon.bot().openChat("wa-9", phone: "11987650009", department: "offers")
        XCTAssertEqual(chat["state"], "offered")
        try session.call("conversation.decline", ["id": .int(chat.id)])
        try session.call("conversation.accept", ["id": .int(chat.id)])
        let output = try ok(["explain", String(chat.id)], environment: ["COLUMNS": "200"]).stdout
        XCTAssertTrue(output.contains("offers and revocations:"), output)
        XCTAssertTrue(output.contains("Ana Souza (attendant \(ana)) declined the offer"), output)
        XCTAssertTrue(output.contains("Ana Souza (attendant \(ana)) accepted the offer"), output)
        let off = try ok(["department", "edit", "offers", "--offer-timeout", "off", "--json"]).json
        XCTAssertEqual(off["offerTimeout"], .null)
    }
}
