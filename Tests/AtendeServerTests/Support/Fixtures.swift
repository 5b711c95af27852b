// Fixtures: the few steps almost every end-to-end test repeats (a department, an attendant, a chat opened by the
// bot) and assertions on JSON-RPC results, so each test reads as the scenario it checks. Everything here speaks
// to the daemon through the public wire protocol only.

import AtendeClient
import AtendeProtocol
import Foundation
import XCTest

extension RPCClient {
    /// `department.create` (admin).
    @discardableResult
    func createDepartment(_ id: String, name: String? = nil, strategy: String? = nil) throws -> JSON {
        var params: JSONObject = ["id": .string(id), "name": .string(name ?? "Department \(id)")]
        if let strategy { params["strategy"] = .string(strategy) }
        return try call("department.create", .object(params))
    }

    /// `attendant.create` (admin) with a valid name and the test password; returns the attendant's id.
    @discardableResult
    func createAttendant(_ login: String, departments: [String], _ extra: JSONObject = [:]) throws -> Int64 {
        var params: JSONObject = [
            "name": "Ana Souza", "login": .string(login), "password": .string(TestDaemon.password),
            "departments": .array(departments.map { .string($0) }),
        ]
        for (key, value) in extra { params[key] = value }
        let attendant = try call("attendant.create", .object(params))
        guard let id = attendant["id"]?.intValue else { throw TestDaemonError(description: "no id in \(attendant)") }
        return id
    }

    /// `conversation.open` (bot); returns the Conversation.
    @discardableResult
    func openChat(_ externalId: String, phone: String = "11987654321", department: String? = nil,
                  text: String? = nil, name: String? = nil) throws -> JSON {
        var contact: JSONObject = ["phone": .string(phone)]
        if let name { contact["name"] = .string(name) }
        var params: JSONObject = ["externalId": .string(externalId), "contact": .object(contact)]
        if let department { params["department"] = .string(department) }
        if let text { params["text"] = .string(text) }
        return try call("conversation.open", .object(params))
    }
}

extension JSON {
    /// `self["id"]` as an integer, or -1 (so a missing id fails the comparisons that follow).
    var id: Int64 { self["id"]?.intValue ?? -1 }

    /// The array member `key`, or empty.
    func list(_ key: String) -> [JSON] { self[key]?.arrayValue ?? [] }

    /// An object with `key` set to `value` (for building params from a base).
    func with(_ key: String, _ value: JSON) -> JSON {
        var members = objectValue ?? [:]
        members[key] = value
        return .object(members)
    }

    /// An object without `key`.
    func without(_ key: String) -> JSON {
        var members = objectValue ?? [:]
        members[key] = nil
        return .object(members)
    }
}

/// Asserts that `result` is an error with `code`; returns the error for further checks.
@discardableResult
func assertError(_ code: Int, _ result: Result<JSON, RPCError>, _ message: @autoclosure () -> String = "",
                 file: StaticString = #filePath, line: UInt = #line) -> RPCError? {
    switch result {
    case .success(let value):
        XCTFail("expected error \(code), got result \(value) \(message())", file: file, line: line)
        return nil
    case .failure(let error):
        XCTAssertEqual(error.code, code, "got \(error) data=\(error.data?.text ?? "nil") \(message())",
                       file: file, line: line)
        return error
    }
}

/// Asserts an invalid-params error naming `field`.
func assertInvalid(_ field: String, _ result: Result<JSON, RPCError>, _ message: @autoclosure () -> String = "",
                   file: StaticString = #filePath, line: UInt = #line) {
    guard let error = assertError(-32602, result, message(), file: file, line: line) else { return }
    XCTAssertEqual(error.data?["field"]?.stringValue, field, "\(error) \(message())", file: file, line: line)
    XCTAssertNotNil(error.data?["reason"]?.stringValue, "reason missing in \(error)", file: file, line: line)
}

/// Asserts that `result` succeeded; returns the value.
@discardableResult
func assertOK(_ result: Result<JSON, RPCError>, _ message: @autoclosure () -> String = "",
              file: StaticString = #filePath, line: UInt = #line) -> JSON? {
    switch result {
    case .success(let value): return value
    case .failure(let error):
        XCTFail("expected success, got \(error) data=\(error.data?.text ?? "nil") \(message())", file: file, line: line)
        return nil
    }
}

/// The three-letter day name (`mon`...`sun`) of `date` in `timeZone`.
func weekday(of date: Date = Date(), in timeZone: String) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: timeZone)!
    let names = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
    return names[calendar.component(.weekday, from: date) - 1]
}

/// Hours that certainly exclude now: only the day three days from today (in `timeZone`), all day. Three days away
/// stays off even if the test runs across midnight.
func hoursExcludingNow(timeZone: String = "America/Sao_Paulo") -> JSON {
    let names = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
    let today = names.firstIndex(of: weekday(in: timeZone))!
    let other = names[(today + 3) % 7]
    return ["timezone": .string(timeZone), "week": [other: [["00:00", "24:00"]]]]
}

/// One unlabelled sample of the daemon's metrics (`metrics.get` through an admin connection); -1 when absent.
func metricValue(_ name: String, from admin: RPCClient) throws -> Int {
    let text = try admin.call("metrics.get")["text"]?.stringValue ?? ""
    let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
    return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? -1
}
