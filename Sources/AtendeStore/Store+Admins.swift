// Store, admin accounts: the people who administer atende from the web panel with a login and a password
// (contract v2). Tools keep using the admin token; an admin account is the same role reached by a password.

import AtendeCore

/// An admin account as the store keeps it.
public struct AdminRecord: Equatable, Sendable {
    /// Id (0 before insert).
    public var id: Int64
    /// First name and surname.
    public var name: String
    /// Login as entered.
    public var login: String
    /// yescrypt (or sha512-crypt) hash; never leaves the daemon.
    public var passwordHash: String
    /// Last login or logout.
    public var lastSeenAt: Instant?
    /// Creation time.
    public var createdAt: Instant

    /// Creates a record.
    public init(id: Int64 = 0, name: String, login: String, passwordHash: String, lastSeenAt: Instant? = nil,
                createdAt: Instant) {
        self.id = id
        self.name = name
        self.login = login
        self.passwordHash = passwordHash
        self.lastSeenAt = lastSeenAt
        self.createdAt = createdAt
    }
}

extension Store {
    private static let adminColumns = "id, name, login, password_hash, last_seen_at, created_at"

    private func readAdmin(_ s: Statement) -> AdminRecord {
        AdminRecord(id: s.int(0), name: s.text(1), login: s.text(2), passwordHash: s.text(3),
                    lastSeenAt: s.optionalInt(4).map(Instant.init(millis:)), createdAt: Instant(millis: s.int(5)))
    }

    /// Every admin account, by id.
    public func admins() throws(StoreError) -> [AdminRecord] {
        let statement = try database.cached("SELECT \(Self.adminColumns) FROM admins ORDER BY id")
        defer { statement.reset() }
        var result: [AdminRecord] = []
        while try statement.step() { result.append(readAdmin(statement)) }
        return result
    }

    /// One admin account by id.
    public func admin(_ id: Int64) throws(StoreError) -> AdminRecord? {
        let statement = try database.cached("SELECT \(Self.adminColumns) FROM admins WHERE id = ?")
        defer { statement.reset() }
        try statement.bind([.int(id)])
        return try statement.step() ? readAdmin(statement) : nil
    }

    /// One admin account by login, case-insensitively (`Login.key`).
    public func admin(loginKey: String) throws(StoreError) -> AdminRecord? {
        let statement = try database.cached("SELECT \(Self.adminColumns) FROM admins WHERE login_key = ?")
        defer { statement.reset() }
        try statement.bind([.text(loginKey)])
        return try statement.step() ? readAdmin(statement) : nil
    }

    /// Inserts a new admin account (id 0) or replaces an existing one; returns the id.
    @discardableResult
    public func saveAdmin(_ record: AdminRecord) throws(StoreError) -> Int64 {
        try write { () throws(StoreError) -> Int64 in
            let values: [SQLValue] = [
                .text(record.name), .text(record.login), .text(Login.key(record.login)), .text(record.passwordHash),
                record.lastSeenAt.map { .int($0.millis) } ?? .null, .int(record.createdAt.millis),
            ]
            if record.id == 0 {
                try database.run("INSERT INTO admins(name, login, login_key, password_hash, last_seen_at, created_at) "
                                 + "VALUES (?, ?, ?, ?, ?, ?)", values)
                return database.lastInsertRowID
            }
            try database.run("UPDATE admins SET name = ?, login = ?, login_key = ?, password_hash = ?, "
                             + "last_seen_at = ?, created_at = ? WHERE id = ?", values + [.int(record.id)])
            return record.id
        }
    }

    /// Deletes an admin account; false when there was none.
    public func deleteAdmin(_ id: Int64) throws(StoreError) -> Bool {
        try write { () throws(StoreError) -> Bool in
            try database.run("DELETE FROM admins WHERE id = ?", [.int(id)])
            return database.changes > 0
        }
    }

    /// Records an admin's login time.
    public func touchAdminLastSeen(_ id: Int64, at instant: Instant) throws(StoreError) {
        try write { () throws(StoreError) in
            try database.run("UPDATE admins SET last_seen_at = ? WHERE id = ?", [.int(instant.millis), .int(id)])
        }
    }
}
