// OperationsTests: what the people who run atende rely on, checked against the real daemon: the sd_notify
// datagrams systemd reads, the Prometheus text parsed back, the metrics textfile, SIGHUP reloads, logfmt lines,
// routing explanations for every standing, the monitor pushes dashboards use, and the systemd unit file.

import AtendeClient
import AtendeProtocol
import AtendeServer
import Foundation
import Glibc
import XCTest

/// A Unix datagram socket standing in for systemd's NOTIFY_SOCKET.
final class NotifyListener {
    let path: String
    let fd: Int32

    init(directory: String) throws {
        path = directory + "/notify.sock"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else { throw TestDaemonError(description: "bind notify socket: \(errno)") }
    }

    deinit { close(fd) }

    /// Messages received until one contains `needle` (or the timeout).
    func waitFor(_ needle: String, timeout: Double = 10) -> [String] {
        var seen: [String] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { continue }
            let message = String(decoding: buffer[0..<count], as: UTF8.self)
            seen.append(message)
            if message.contains(needle) { return seen }
        }
        return seen
    }
}

final class OperationsTests: XCTestCase {
    func testSystemdNotifyReadyStatusWatchdogAndStopping() throws {
        let daemon = try TestDaemon(start: false)
        let listener = try NotifyListener(directory: daemon.directory)
        daemon.environment["NOTIFY_SOCKET"] = listener.path
        daemon.environment["WATCHDOG_USEC"] = "200000"
        try daemon.start()
        let ready = listener.waitFor("READY=1")
        XCTAssertTrue(ready.contains { $0.contains("READY=1") && $0.contains("STATUS=") }, "\(ready)")
        let watchdog = listener.waitFor("WATCHDOG=1")
        XCTAssertTrue(watchdog.contains { $0.contains("WATCHDOG=1") }, "\(watchdog)")
        XCTAssertEqual(try daemon.stop(), 0)
        let stopping = listener.waitFor("STOPPING=1")
        XCTAssertTrue(stopping.contains { $0.contains("STOPPING=1") }, "\(stopping)")
    }

    func testSystemdNotifyWithoutSocketSendsNothing() {
        let notify = SystemdNotify(environment: [:])
        XCTAssertFalse(notify.send("READY=1"))
        XCTAssertNil(notify.watchdogIntervalMillis)
        XCTAssertEqual(SystemdNotify(environment: ["NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "30000000"])
            .watchdogIntervalMillis, 15000)
    }

    func testSystemdNotifyAbstractSocket() throws {
        let name = "atende-test-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = [UInt8(0)] + Array(name.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        XCTAssertEqual(bound, 0)
        XCTAssertTrue(SystemdNotify(environment: ["NOTIFY_SOCKET": "@" + name]).send("READY=1"))
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        XCTAssertEqual(count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : "", "READY=1")
    }

    /// Parses the Prometheus text format strictly enough to catch a malformed line.
    func parseMetrics(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [String: Double] {
        var samples: [String: Double] = [:]
        var declared: Set<String> = []
        let sampleLine = try! Regex(#"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.eE+]+|\+Inf|NaN)$"#)
        for row in text.split(separator: "\n") {
            if row.hasPrefix("# TYPE ") {
                let parts = row.split(separator: " ")
                XCTAssertEqual(parts.count, 4, "bad TYPE line: \(row)", file: file, line: line)
                XCTAssertTrue(["counter", "gauge", "histogram"].contains(String(parts[3])), file: file, line: line)
                declared.insert(String(parts[2]))
                continue
            }
            if row.hasPrefix("# HELP ") { continue }
            guard let match = String(row).wholeMatch(of: sampleLine) else {
                XCTFail("malformed metrics line: \(row)", file: file, line: line)
                continue
            }
            let name = String(match.output[1].substring!)
            let family = declared.first { name == $0 || name.hasPrefix($0 + "_") }
            XCTAssertNotNil(family, "sample \(name) before its # TYPE", file: file, line: line)
            let labels = match.output[2].substring.map(String.init) ?? ""
            samples[name + labels] = Double(String(match.output[3].substring!)) ?? .infinity
        }
        return samples
    }

    func testMetricsParseBackAndCount() throws {
        let daemon = try TestDaemon()
        let admin = try daemon.admin()
        try admin.createDepartment("vendas")
        try admin.createAttendant("ana@example.com", departments: ["vendas"])
        let attendant = try daemon.attendant(login: "ana@example.com")
        let bot = try daemon.bot()
        let chat = try bot.openChat("m1", department: "vendas")
        XCTAssertNotNil(try attendant.nextEvent(ofType: "conversation.assigned", timeout: 10))
        try bot.call("conversation.close", ["id": .int(chat.id)])
        try bot.call("conversation.rate", ["id": .int(chat.id), "score": 5])
        _ = try bot.callResult("conversation.rate", ["id": .int(chat.id), "score": 5])
        let text = try admin.call("metrics.get")["text"]?.stringValue ?? ""
        let samples = parseMetrics(text)
        XCTAssertEqual(samples["atende_conversations_opened_total"], 1)
        XCTAssertEqual(samples["atende_conversations_assigned_total"], 1)
        XCTAssertEqual(samples["atende_conversations_closed_total"], 1)
        XCTAssertEqual(samples["atende_conversations_rated_total"], 1)
        XCTAssertEqual(samples["atende_ratings_total{score=\"5\"}"], 1)
        XCTAssertEqual(samples["atende_errors_total{code=\"1010\"}"], 1)
        XCTAssertEqual(samples["atende_waiting_conversations{department=\"vendas\"}"], 0)
        XCTAssertEqual(samples["atende_attendants_online{department=\"vendas\"}"], 1)
        XCTAssertEqual(samples["atende_wait_seconds_count"], 1)
        XCTAssertEqual(samples["atende_wait_seconds_bucket{le=\"+Inf\"}"], 1)
        var previous = 0.0
        for bound in ["0.1", "0.5", "1", "5", "15", "30", "60", "120", "300", "600", "1800", "3600", "+Inf"] {
            let value = samples["atende_wait_seconds_bucket{le=\"\(bound)\"}"] ?? -1
            XCTAssertGreaterThanOrEqual(value, previous, "buckets must be cumulative at le=\(bound)")
            previous = value
        }
    }

    func testMetricsFileIsRewrittenAtomically() throws {
        let daemon = try TestDaemon(start: false)
        let path = daemon.directory + "/atende.prom"
        daemon.config["metricsFile"] = .string(path)
        try daemon.start()
        let admin = try daemon.admin()
        try admin.createDepartment("suporte")
        let deadline = Date().addingTimeInterval(15)
        var text = ""
        while Date() < deadline {
            text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            if text.contains("department=\"suporte\"") { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTAssertTrue(text.contains("atende_waiting_conversations{department=\"suporte\"} 0"), text)
        _ = parseMetrics(text)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".tmp"))
    }

    func testExplanationsGiveEveryStanding() throws {
        let daemon = try TestDaemon()
        let admin = try daemon.admin()
        try admin.createDepartment("d")
        let offDay = (Calendar(identifier: .gregorian).component(.weekday, from: Date()) + 2) % 7
        let dayName = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"][offDay]
        let offHours: JSON = ["timezone": "UTC", "week": .object([dayName: [["00:00", "24:00"]]])]
        let chosen = try admin.createAttendant("chosen@x.com", departments: ["d"], ["maxChats": 1])
        let tie = try admin.createAttendant("tie@x.com", departments: ["d"], ["maxChats": 3])
        let away = try admin.createAttendant("away@x.com", departments: ["d"])
        let offline = try admin.createAttendant("offline@x.com", departments: ["d"])
        let full = try admin.createAttendant("full@x.com", departments: ["d"], ["maxChats": 1])
        let outside = try admin.createAttendant("outside@x.com", departments: ["d"], ["hours": offHours])
        let inactive = try admin.createAttendant("inactive@x.com", departments: ["d"])
        try admin.call("settings.update", ["restrictAccessToHours": false])
        let bot = try daemon.bot()
        let fullClient = try daemon.attendant(login: "full@x.com")
        try bot.openChat("fill", phone: "11911110001", department: "d")
        XCTAssertNotNil(try fullClient.nextEvent(ofType: "conversation.assigned", timeout: 10))
        let awayClient = try daemon.attendant(login: "away@x.com")
        try awayClient.call("presence.set", ["presence": "away"])
        _ = try daemon.attendant(login: "outside@x.com")
        _ = try daemon.attendant(login: "inactive@x.com")
        try admin.call("attendant.update", ["id": .int(inactive), "active": false])
        let tieClient = try daemon.attendant(login: "tie@x.com")
        try bot.openChat("busy", phone: "11911110002", department: "d")
        XCTAssertNotNil(try tieClient.nextEvent(ofType: "conversation.assigned", timeout: 10))
        let chosenClient = try daemon.attendant(login: "chosen@x.com")
        let chat = try bot.openChat("explained", phone: "11911110003", department: "d")
        let assigned = try chosenClient.nextEvent(ofType: "conversation.assigned", timeout: 10)
        XCTAssertEqual(assigned?["conversation"]?["id"]?.intValue, chat.id)
        let explanation = try admin.call("conversation.explain", ["id": .int(chat.id)])
        let entry = try XCTUnwrap(explanation.list("explanations").last)
        XCTAssertEqual(entry["rule"]?.stringValue, "strategy")
        XCTAssertEqual(entry["strategy"]?.stringValue, "least-busy")
        XCTAssertEqual(entry["chosen"]?.intValue, chosen)
        var standing: [Int64: String] = [:]
        for candidate in entry.list("candidates") {
            standing[candidate["attendantId"]?.intValue ?? -1] = candidate["standing"]?.stringValue
        }
        XCTAssertEqual(standing[chosen], "chosen")
        XCTAssertEqual(standing[tie], "lost the tie")
        XCTAssertEqual(standing[away], "away")
        XCTAssertEqual(standing[offline], "offline")
        XCTAssertEqual(standing[full], "at capacity")
        XCTAssertEqual(standing[outside], "off-hours")
        XCTAssertEqual(standing[inactive], "inactive")
        XCTAssertEqual(entry["omitted"]?.intValue, 0)
        assertError(1001, try daemon.connect().callResult("conversation.explain", ["id": .int(chat.id)]))
        assertError(1003, try bot.callResult("conversation.explain", ["id": .int(chat.id)]))
    }

    func testMonitorSubscriptionPushesAttendantAndQueueChanges() throws {
        let daemon = try TestDaemon()
        let admin = try daemon.admin()
        try admin.createDepartment("d")
        let id = try admin.createAttendant("ana@x.com", departments: ["d"])
        let monitor = try daemon.admin()
        try monitor.call("monitor.subscribe")
        let bot = try daemon.bot()
        try bot.openChat("q1", department: "d")
        let queue = try monitor.nextEvent(ofType: "queue.changed", timeout: 10)
        XCTAssertEqual(queue?["department"]?.stringValue, "d")
        XCTAssertEqual(queue?["waiting"]?.intValue, 1)
        _ = try daemon.attendant(login: "ana@x.com")
        let changed = try monitor.nextEvent(ofType: "attendant.changed", timeout: 10)
        XCTAssertEqual(changed?["attendant"]?["id"]?.intValue, id)
        XCTAssertEqual(changed?["attendant"]?["presence"]?.stringValue, "online")
        XCTAssertNil(changed?["attendant"]?["passwordHash"])
    }

    /// A chat's first reply moves its attendant's average first reply (stats.get): monitors hear attendant.changed,
    /// so a board reads the figures again; a later reply moves nothing and says nothing.
    func testAFirstReplyTellsMonitorsTheAttendantChanged() throws {
        let daemon = try TestDaemon()
        let admin = try daemon.admin()
        try admin.createDepartment("d")
        let id = try admin.createAttendant("ana@x.com", departments: ["d"])
        let ana = try daemon.attendant(login: "ana@x.com")
        let bot = try daemon.bot()
        let chat = try bot.openChat("r1", department: "d")
        XCTAssertEqual(chat["attendantId"]?.intValue, id)
        let monitor = try daemon.admin()
        try monitor.call("monitor.subscribe")
        try assertNoEvent(monitor, "attendant.changed", "nothing yet")
        try ana.call("conversation.reply", ["id": .int(chat.id), "text": "Olá"])
        let changed = try monitor.nextEvent(ofType: "attendant.changed", timeout: 10)
        XCTAssertEqual(changed?["attendant"]?["id"]?.intValue, id, "its average first reply moved")
        try ana.call("conversation.reply", ["id": .int(chat.id), "text": "Tudo bem?"])
        try assertNoEvent(monitor, "attendant.changed", "a later reply moves no figure")
    }

    func testSighupReloadsLiveKeysAndNamesTheRest() throws {
        let daemon = try TestDaemon()
        daemon.config["logLevel"] = "debug"
        daemon.config["socketMode"] = "0600"
        try daemon.writeConfig()
        kill(daemon.process!.processIdentifier, SIGHUP)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && !daemon.lastStderr.contains("config reloaded") { Thread.sleep(forTimeInterval: 0.1) }
        let log = daemon.lastStderr
        XCTAssertTrue(log.contains("msg=\"config reloaded\" applied=logLevel needsRestart=socketMode"), log)
        _ = try daemon.connect().call("system.ping")
        daemon.config["defaultMaxChats"] = "many"
        try daemon.writeConfig()
        kill(daemon.process!.processIdentifier, SIGHUP)
        while Date() < deadline && !daemon.lastStderr.contains("reload refused") { Thread.sleep(forTimeInterval: 0.1) }
        XCTAssertTrue(daemon.lastStderr.contains("defaultMaxChats"), daemon.lastStderr)
        XCTAssertTrue(daemon.isRunning)
    }

    /// A reload that changes `timezone` tells every attendant and admin connection at once (`system.changed`, with
    /// the daemon's time), so an open panel shows times in the new zone without reconnecting; bots are not told,
    /// and a reload that leaves the zone alone sends nothing.
    func testAReloadThatChangesTheZoneTellsAttendantsAndAdmins() throws {
        let daemon = try TestDaemon()
        let admin = try daemon.admin()
        try admin.createDepartment("d")
        _ = try admin.createAttendant("ana@x.com", departments: ["d"])
        let attendant = try daemon.attendant(login: "ana@x.com")
        let bot = try daemon.bot()
        daemon.config["logLevel"] = "debug"
        try daemon.writeConfig()
        kill(daemon.process!.processIdentifier, SIGHUP)
        eventually("the first reload") { daemon.lastStderr.contains("config reloaded") }
        try assertNoEvent(attendant, "system.changed", "the zone did not change")
        try assertNoEvent(admin, "system.changed", "the zone did not change")

        daemon.config["timezone"] = "America/Manaus"
        try daemon.writeConfig()
        kill(daemon.process!.processIdentifier, SIGHUP)
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for client in [attendant, admin] {
            let changed = try expectEvent(client, "system.changed")
            XCTAssertEqual(changed["timezone"]?.stringValue, "America/Manaus")
            XCTAssertNotNil(changed["time"]?.stringValue.flatMap(format.date(from:)), "\(changed)")
        }
        try assertNoEvent(bot, "system.changed", "bots hear only the contract's events")
        XCTAssertEqual(try attendant.call("system.ping")["timezone"]?.stringValue, "America/Manaus")
    }

    func testLogLinesAreLogfmtWithJournaldPrefixUnderSystemd() throws {
        let daemon = try TestDaemon(["logLevel": "info"], environment: ["JOURNAL_STREAM": "8:1234"])
        let admin = try daemon.admin()
        try admin.createDepartment("d")
        XCTAssertEqual(try daemon.stop(), 0)
        let lines = daemon.lastStderr.split(separator: "\n")
        XCTAssertFalse(lines.isEmpty)
        let logfmt = try Regex(#"^<[0-7]>level=(debug|info|warn|error) msg=("[^"]*"|\S+)( [A-Za-z]+=("[^"]*"|\S+))*$"#)
        for line in lines { XCTAssertNotNil(String(line).wholeMatch(of: logfmt), "not logfmt: \(line)") }
        XCTAssertTrue(lines.contains { $0.hasPrefix("<6>level=info msg=\"department created\" dept=d") },
                      daemon.lastStderr)
    }

    /// Both units (SQLite, and PostgreSQL leader or standby) verify once their binary path points at a real one,
    /// and name the protocol document where `make install` puts it.
    func testUnitFilesVerify() throws {
        let analyze = "/usr/bin/systemd-analyze"
        guard FileManager.default.isExecutableFile(atPath: analyze) else {
            throw XCTSkip("systemd-analyze is not installed (Debian package systemd)")
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let makefile = try String(contentsOf: root.appendingPathComponent("Makefile"), encoding: .utf8)
        XCTAssertTrue(makefile.contains("docs/protocol.md docs/panel.md $(DESTDIR)$(PREFIX)/share/doc/atende/"))
        for name in ["atende.service", "atende-postgres.service"] {
            let unit = try String(contentsOf: root.appendingPathComponent("config/" + name), encoding: .utf8)
            // The PostgreSQL unit keeps no state on the machine: no StateDirectory.
            let common = ["Type=notify", "RuntimeDirectory=", "ProtectSystem=strict", "NoNewPrivileges=yes",
                          "PrivateTmp=yes", "ExecReload=", "Documentation=file:/usr/local/share/doc/atende/protocol.md"]
            for needed in common + (name == "atende.service" ? ["StateDirectory="] : ["Conflicts=atende.service"]) {
                XCTAssertTrue(unit.contains(needed), "\(name) lacks \(needed)")
            }
            let directory = NSTemporaryDirectory() + "atende-unit-\(getpid())"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let path = directory + "/" + name
            try unit.replacingOccurrences(of: "/usr/local/bin/atended", with: try TestDaemon.binary())
                .write(toFile: path, atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: analyze)
            process.arguments = ["verify", path]
            let pipe = Pipe()
            process.standardError = pipe
            process.standardOutput = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, "\(name): \(output)")
            XCTAssertFalse(output.contains(name + ":"), output)
        }
    }
}
