// FuzzTests: the framing and JSON-RPC layer under a seeded mutation fuzzer, over the real socket. Mangled requests
// of every method go out pipelined on connections of every role; after each chunk a sentinel ping proves the
// daemon is neither dead nor stuck, and every line it sent back must be JSON-RPC. Resident memory must stay
// bounded. A second, exhaustive pass sends every method each wrong type for each param and expects -32602 naming
// the field. ATENDE_FUZZ_INPUTS (default 100000) and ATENDE_FUZZ_SEED steer the mutation fuzzer.

import AtendeClient
import AtendeProtocol
@testable import AtendeServer
import Foundation
import Glibc
import XCTest

final class FuzzTests: XCTestCase {
    private var daemon: TestDaemon!
    private static let lineLimit = 65536

    override func tearDown() {
        daemon = nil
    }

    // MARK: - Mutation fuzzer

    func testMutatedRequestsNeverCrashHangOrGrowMemory() throws {
        try skipOnPostgres("it reads the SQLite file")
        let total = environmentInt("ATENDE_FUZZ_INPUTS", 100_000)
        let seed = UInt64(environmentInt("ATENDE_FUZZ_SEED", Int.random(in: 1...Int(Int32.max))))
        print("FuzzTests: \(total) inputs, ATENDE_FUZZ_SEED=\(seed)")
        daemon = try TestDaemon(["maxLineBytes": .int(Int64(Self.lineLimit))])
        let fixture = try makeFixture()
        var mutator = RequestMutator(corpus: corpus(fixture), seed: seed, maxBytes: Self.lineLimit)
        var sockets: [String: RawLineSocket] = [:]
        for role in ["anyone", "admin", "bot", "attendant"] { sockets[role] = try connect(as: role) }
        var sent = 0
        var chunk = 0
        var closes = 0
        var replies = 0
        var earlyResident = 0
        while sent < total {
            chunk += 1
            let size = min(200, total - sent)
            var lines: [String: [UInt8]] = [:]
            for _ in 0..<size {
                let (role, line) = mutator.next()
                // Mostly the role the request is meant for (so handlers run), sometimes any other.
                let target = Int.random(in: 0..<5, using: &mutator.random) == 0
                    ? ["anyone", "admin", "bot", "attendant"].randomElement(using: &mutator.random)! : role
                lines[target, default: []] += line + [10]
            }
            if chunk % 50 == 0 {
                // An over-long line closes its connection; the sentinel then finds it closed.
                lines["anyone", default: []] += [UInt8](repeating: UInt8(ascii: "a"), count: Self.lineLimit + 10) + [10]
            }
            for (role, bytes) in lines.sorted(by: { $0.key < $1.key }) {
                let socket = sockets[role]!
                let sentinel = "sentinel-\(chunk)-\(role)"
                let ping = Array(#"{"jsonrpc":"2.0","id":"\#(sentinel)","method":"system.ping"}"#.utf8) + [10]
                let outcome = exchange(socket, bytes + ping, sentinel: sentinel)
                replies += outcome.replies
                if let problem = outcome.problem {
                    let saved = save(bytes, seed: seed, chunk: chunk)
                    XCTFail("chunk \(chunk) on the \(role) connection: \(problem); inputs saved to \(saved); "
                            + "replay with ATENDE_FUZZ_SEED=\(seed)\n\(daemon.lastStderr.suffix(3000))")
                    return
                }
                if outcome.closed {
                    closes += 1
                    sockets[role] = try connect(as: role)
                }
            }
            sent += size
            if earlyResident == 0 && sent >= total / 10 { earlyResident = daemon.residentKB }
        }
        XCTAssertTrue(daemon.isRunning, daemon.lastStderr)
        XCTAssertEqual(try daemon.connect().call("system.ping")["pong"], true, "a fresh connection is served")
        let resident = daemon.residentKB
        let peak = daemon.procStatus("VmHWM") ?? 0
        print("FuzzTests: \(sent) inputs in \(chunk) chunks, \(replies) replies, \(closes) closes; "
              + "RSS \(earlyResident) kB at 10%, \(resident) kB at the end, peak \(peak) kB")
        XCTAssertLessThan(resident, max(earlyResident * 2, earlyResident + 65536), "memory grows with the inputs")
        XCTAssertLessThan(peak, 512 * 1024, "peak memory over 512 MiB")
        XCTAssertEqual(try daemon.readOnlyDatabase().text("PRAGMA integrity_check"), "ok")
    }

    /// What one pipelined exchange came to.
    private struct Outcome {
        var replies = 0
        var closed = false
        var problem: String?
    }

    /// Sends `bytes`, then reads until the sentinel's answer; checks every line is JSON-RPC.
    private func exchange(_ socket: RawLineSocket, _ bytes: [UInt8], sentinel: String) -> Outcome {
        var outcome = Outcome()
        do {
            try socket.client.sendRaw(bytes)
        } catch {
            // The daemon may close a connection in the middle (an over-long line); reading tells.
        }
        let deadline = Date().addingTimeInterval(120)
        while true {
            switch socket.next(until: deadline) {
            case .message(let message):
                outcome.replies += 1
                if let problem = Self.problem(in: message) {
                    outcome.problem = problem
                    return outcome
                }
                if message["id"]?.stringValue == sentinel { return outcome }
            case .garbage(let line):
                let text = String(decoding: line.prefix(300), as: UTF8.self)
                outcome.problem = "the daemon sent a line that is not JSON: \(text)"
                return outcome
            case .closed:
                outcome.closed = true
                if !daemon.isRunning {
                    outcome.problem = "the daemon died (status \(daemon.process?.terminationStatus ?? -1))"
                }
                return outcome
            case .timeout:
                outcome.problem = daemon.isRunning ? "no answer to the sentinel within 120 s: the daemon hangs"
                    : "the daemon died"
                return outcome
            }
        }
    }

    /// Why a message from the daemon is not JSON-RPC 2.0, or nil.
    private static func problem(in message: JSON) -> String? {
        if let items = message.arrayValue {
            if items.isEmpty { return "an empty batch answer" }
            return items.lazy.compactMap { problem(in: $0) }.first
        }
        guard message["jsonrpc"] == "2.0" else { return "no jsonrpc 2.0 in \(message.text.prefix(300))" }
        if message["method"] == "event" {
            return message["params"]?["type"]?.stringValue == nil ? "event without type" : nil
        }
        guard message.objectValue?.keys.contains("id") == true else {
            return "a response without id: \(message.text.prefix(300))"
        }
        if let error = message["error"] {
            let known: Set<Int64> = [-32700, -32600, -32601, -32602, -32603,
                                     1001, 1003, 1004, 1009, 1010, 1011, 1012, 1029]
            guard let code = error["code"]?.intValue, known.contains(code), error["message"]?.stringValue != nil else {
                return "an unknown error shape: \(message.text.prefix(300))"
            }
            if code == -32603 { return "an internal error with no fault injected: \(message.text.prefix(300))" }
            if code == -32602 && error["data"]?["field"]?.stringValue == nil { return "-32602 without data.field" }
            return nil
        }
        return message["result"] == nil ? "neither result nor error: \(message.text.prefix(300))" : nil
    }

    private func connect(as role: String) throws -> RawLineSocket {
        let client: RPCClient
        switch role {
        case "admin": client = try daemon.admin()
        case "bot": client = try daemon.bot()
        case "attendant":
            // The fuzz may deactivate or re-password the attendant: then this connection stays unauthenticated.
            client = try daemon.connect()
            _ = try client.callResult("auth.login", ["login": "fuzz@example.com",
                                                     "password": .string(TestDaemon.password)])
        default: client = try daemon.connect()
        }
        return RawLineSocket(client)
    }

    private func save(_ bytes: [UInt8], seed: UInt64, chunk: Int) -> String {
        let path = "/tmp/atende-fuzz-\(seed)-\(chunk).bin"
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    private func makeFixture() throws -> ShapeFixture {
        let admin = try daemon.admin()
        try admin.call("settings.update", ["restrictAccessToHours": false])
        try admin.createDepartment("fz")
        try admin.createDepartment("shape", strategy: "manual")
        try admin.createDepartment("fz-list")
        let attendant = try admin.createAttendant("fuzz@example.com", departments: ["fz", "shape"], ["maxChats": 1000])
        try admin.createAttendant("listed@example.com", departments: ["fz-list"])
        let online = try daemon.attendant(login: "fuzz@example.com")
        let bot = try daemon.bot()
        let assigned = try bot.openChat("fz-assigned", department: "fz", text: "oi")
        let closed = try bot.openChat("fz-closed", phone: "21987654321", department: "fz")
        try bot.call("conversation.close", ["id": .int(closed.id)])
        let waiting = try bot.openChat("fz-waiting", phone: "31987654321", department: "shape")
        let potential = try bot.openChat("fz-potential", phone: "41987654321")
        daemon.disconnect(online)
        return ShapeFixture(attendant: attendant, assigned: assigned.id, waiting: waiting.id, potential: potential.id,
                            closed: closed.id)
    }

    /// Valid requests of every method, sent by the role each is meant for.
    private func corpus(_ f: ShapeFixture) -> [RequestMutator.Seed] {
        var seeds: [RequestMutator.Seed] = []
        for (index, shape) in MethodShape.all(f).enumerated() where shape.method != "auth.logout" {
            var params = shape.base
            if shape.method == "department.create" { params["strategy"] = "round-robin" }
            if shape.method == "attendant.create" {
                params["phone"] = "(11) 98765-4321"
                params["email"] = "rui@example.com"
                params["hours"] = ["timezone": "America/Sao_Paulo",
                                   "week": ["mon": [["08:00", "12:00"], ["13:00", "18:00"]]]]
                params["maxChats"] = 3
            }
            if shape.method == "attendant.list" { params["department"] = "fz-list" }
            if shape.method == "conversation.open" {
                params["department"] = "fz"
                params["text"] = "olá"
                params["contact"] = ["phone": "+55 (11) 98765-4321", "name": "Cliente"]
            }
            if shape.method == "auth.login" { params["password"] = "Wrong1234" }
            let line = RPCEncoder.request(id: .int(Int64(index + 1)), method: shape.method,
                                          params: params.isEmpty ? nil : .object(params))
            seeds.append(.init(role: shape.role, line: line))
        }
        seeds.append(.init(role: "anyone", line: Array(#"{"jsonrpc":"2.0","method":"system.ping"}"#.utf8)))
        let version = #"{"jsonrpc":"2.0","id":"s","method":"system.version","params":{}}"#
        seeds.append(.init(role: "anyone", line: Array(version.utf8)))
        seeds.append(.init(role: "admin", line: Array(("[" + #"{"jsonrpc":"2.0","id":1,"method":"system.ping"},"#
            + #"{"jsonrpc":"2.0","id":2,"method":"department.list"},{"jsonrpc":"2.0","method":"stats.get"}]"#).utf8)))
        return seeds
    }

    // MARK: - Request shapes

    func testEveryMethodRefusesWrongTypedParamsNamingTheField() throws {
        daemon = try TestDaemon()
        let fixture = try makeFixture()
        let shapes = MethodShape.all(fixture)
        let described = Set(shapes.map(\.method))
        let served = Set(Daemon.methods.keys)
        XCTAssertEqual(served.subtracting(described).sorted(), [], "methods of the daemon missing from MethodShapes")
        XCTAssertEqual(described.subtracting(served).sorted(), [], "MethodShapes lists methods the daemon lacks")
        let clients = ["anyone": try daemon.connect(), "admin": try daemon.admin(), "bot": try daemon.bot(),
                       "attendant": try daemon.attendant(login: "fuzz@example.com")]
        let before = try state(clients["admin"]!)
        var checked = 0
        for shape in shapes {
            let client = clients[shape.role]!
            for field in shape.fields {
                for value in field.kind.wrongValues(required: field.required) {
                    let what = "\(shape.method) with \(field.path) = \(value.text)"
                    let params = shape.params(setting: field.path, to: value)
                    assertInvalid(field.path, try client.callResult(shape.method, params), what)
                    checked += 1
                }
            }
            if field(shape, "departments") {
                assertInvalid("departments[0]", try client.callResult(shape.method,
                              shape.params(setting: "departments", to: [1])), "\(shape.method) departments [1]")
            }
            assertInvalid("params", try client.callResult(shape.method, ["positional", 1]),
                          "\(shape.method) positional")
            if shape.refusesUnknown {
                assertInvalid("bogus", try client.callResult(shape.method, shape.params(setting: "bogus", to: 1)),
                              "\(shape.method) unknown param")
            }
        }
        print("FuzzTests: \(checked) wrong-typed params over \(shapes.count) methods")
        XCTAssertEqual(try state(clients["admin"]!), before, "a refused request changed something")
    }

    private func field(_ shape: MethodShape, _ name: String) -> Bool { shape.fields.contains { $0.path == name } }

    /// What refused requests must leave as it was.
    private func state(_ admin: RPCClient) throws -> [JSON] {
        [
            try admin.call("department.list"), try admin.call("attendant.list"), try admin.call("settings.get"),
            try admin.call("potentials.list"), try admin.call("contacts.list"),
        ]
    }
}
