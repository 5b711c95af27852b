// DaemonTestCase: the base of the scenario suites. Each test gets a fresh daemon with two departments
// ("sales", least-busy, and "vip", manual), an admin and a bot connection, and a `staff` step that creates an
// attendant and, by default, logs it in, so a routing scenario starts from its own first line.

import AtendeClient
import AtendeProtocol
import Foundation
import XCTest

/// An attendant created by a test: its id and, when logged in, its connection.
struct Staff {
    /// The attendant's id.
    let id: Int64
    /// Its login.
    let login: String
    /// Its connection (nil when created without logging in).
    let client: RPCClient!
}

class DaemonTestCase: XCTestCase {
    var daemon: TestDaemon!
    var admin: RPCClient!
    var bot: RPCClient!

    /// Config keys the suite wants on top of the harness defaults.
    var configOverrides: [String: JSON] { [:] }

    override func setUpWithError() throws {
        daemon = try TestDaemon(configOverrides)
        admin = try daemon.admin()
        bot = try daemon.bot()
        try admin.createDepartment("sales", name: "Sales")
        try admin.createDepartment("vip", name: "VIP", strategy: "manual")
    }

    override func tearDown() {
        admin = nil
        bot = nil
        daemon = nil
    }

    /// Creates an attendant (valid defaults plus `extra`) and logs it in unless `online` is false.
    @discardableResult
    func staff(_ login: String, _ departments: [String] = ["sales"], _ extra: JSONObject = [:],
               online: Bool = true) throws -> Staff {
        let id = try admin.createAttendant(login, departments: departments, extra)
        return Staff(id: id, login: login, client: online ? try daemon.attendant(login: login) : nil)
    }

    /// `conversation.get` as the admin.
    func conversation(_ id: Int64) throws -> JSON {
        try admin.call("conversation.get", ["id": .int(id)])
    }

    /// `attendant.get` as the admin.
    func attendant(_ id: Int64) throws -> JSON {
        try admin.call("attendant.get", ["id": .int(id)])
    }

    /// The ids of `queue.list`'s `assigned` and `waiting` for an attendant's connection.
    func queue(_ client: RPCClient) throws -> (assigned: [Int64], waiting: [Int64]) {
        let result = try client.call("queue.list")
        return (result.list("assigned").map(\.id), result.list("waiting").map(\.id))
    }
}
