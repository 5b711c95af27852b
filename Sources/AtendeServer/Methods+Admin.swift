// Admin methods: departments, attendants (with photo), account settings and stats. Every field is validated
// before anything is written, so a refused request changes nothing.

import AtendeCore
import AtendeProtocol
import AtendeStore
import Foundation

extension RequestContext {
    // MARK: - Departments

    /// The members `department.create` and `department.update` take.
    static let departmentKeys = ["id", "name", "strategy"] + routingSettingKeys + queuePolicyKeys

    func departmentCreate(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(Self.departmentKeys)
        let id = try DepartmentID.validate(try params.string("id", maxLength: 64))
        let name = try departmentName(params.string("name", maxLength: 120))
        let strategy = try params.optionalString("strategy", maxLength: 32).map { try Strategy.parse($0) } ?? .leastBusy
        guard !router.hasDepartment(id) else {
            throw RPCError(code: RPCErrorCode.conflict, message: "department '\(id)' already exists",
                           data: ["field": "id", "reason": "already exists"])
        }
        var department = Department(id: id, name: name, strategy: strategy)
        try readRoutingSettings(params, into: &department)
        try readQueuePolicy(params, into: &department)
        try store.saveDepartment(department, now: now)
        apply(router.upsertDepartment(department, now: now), now: now)
        Log.info("department created", ["dept": id])
        announceDepartment(department, deleted: false)
        return .result(departmentJSON(department))
    }

    func departmentUpdate(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(Self.departmentKeys)
        let id = try params.string("id", maxLength: 64)
        guard var department = try store.departments().first(where: { $0.id == id }) else {
            throw RPCError.notFound("department '\(id)'", field: "id")
        }
        if let name = try params.optionalString("name", maxLength: 120) { department.name = try departmentName(name) }
        if let strategy = try params.optionalString("strategy", maxLength: 32) {
            department.strategy = try Strategy.parse(strategy)
        }
        try readRoutingSettings(params, into: &department)
        try readQueuePolicy(params, into: &department)
        try store.saveDepartment(department, now: now)
        apply(router.upsertDepartment(department, now: now), now: now)
        announceDepartment(department, deleted: false)
        return .result(departmentJSON(department))
    }

    func departmentDelete(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["id"])
        let id = try params.string("id", maxLength: 64)
        try router.removeDepartment(id)
        try store.deleteDepartment(id)  // a storage error fails the turn, and the router is rebuilt from the store
        fanOut.announced[id] = nil
        Log.info("department deleted", ["dept": id])
        announceDepartment(Department(id: id, name: id), deleted: true)
        return .result(Wire.ok)
    }

    func departmentList(_ params: Params) throws -> Outcome {
        try params.rejectUnknown([])
        return .result(Wire.list("departments", try store.departments()) { Wire.department($0, into: &$1) })
    }

    /// `department.changed` to monitoring admins and logged-in attendants (desks show departments by name, in
    /// their lists and the transfer form; departments change seldom).
    private func announceDepartment(_ department: Department, deleted: Bool) {
        guard !fanOut.monitors.isEmpty || !fanOut.sessions.isEmpty else { return }
        var w = JSONWriter()
        w.beginObject()
        w.field("type", "department.changed")
        w.key("department")
        Wire.department(department, into: &w)
        w.field("deleted", deleted)
        w.endObject()
        let push = RPCEncoder.notification(method: "event", params: w.bytes)
        fanOut.pushToMonitors(push)
        for (attendant, _) in fanOut.sessions { fanOut.push(push, toAttendant: attendant) }
    }

    private func departmentName(_ raw: String) throws -> String {
        let name = raw.trimmingWhitespace
        guard !name.isEmpty else { throw ValidationError(field: "name", reason: "is required") }
        guard !name.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw ValidationError(field: "name", reason: "contains control characters")
        }
        return name
    }

    private func departmentJSON(_ department: Department) -> [UInt8] {
        var w = JSONWriter()
        Wire.department(department, into: &w)
        return w.bytes
    }

    // MARK: - Attendants

    func attendantJSON(_ record: AttendantRecord) -> [UInt8] {
        var w = JSONWriter(capacity: 512)
        Wire.attendant(record, presence: router.presence(of: record.id), openChats: router.openChats(of: record.id),
                           wrappingChats: router.wrappingChats(of: record.id),
                           into: &w)
        return w.bytes
    }

    func attendantCreate(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(AttendantFields.all)
        for required in ["name", "login", "password", "departments"] where !params.has(required) {
            throw RPCError.invalidParams(field: required, reason: "is required")
        }
        var record = AttendantRecord(name: "", login: "", passwordHash: "", departments: [],
                                     maxChats: config.defaultMaxChats, createdAt: now)
        let password = try AttendantFields.apply(params, to: &record, context: self)
        try ensureLoginFree(record.login, except: nil)
        let cost = config.passwordCost
        let work: @Sendable () -> any Sendable = { PasswordHash.make(password ?? "", cost: cost) as String? }
        return .offLoop(work: work) { [self] value, now in
            guard let hash = value as? String? ?? nil else { throw RPCError.internalError("password hashing failed") }
            try ensureLoginFree(record.login, except: nil)
            try ensureDepartmentsExist(record.departments)
            record.passwordHash = hash
            record.createdAt = now
            record.id = try store.saveAttendant(record)
            apply(router.upsertAttendant(routingProfile(record), now: now), now: now)
            Log.info("attendant created", ["att": record.id])
            return attendantJSON(record)
        }
    }

    func attendantUpdate(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(AttendantFields.all.union(["id"]))
        let id = try params.int("id")
        guard var record = try store.attendant(id) else { throw RPCError.notFound("attendant \(id)", field: "id") }
        let password = try AttendantFields.apply(params, to: &record, context: self)
        try ensureLoginFree(record.login, except: id)
        let save = { [self] (record: AttendantRecord, now: Instant) throws -> [UInt8] in
            try ensureLoginFree(record.login, except: id)
            try ensureDepartmentsExist(record.departments)
            try store.saveAttendant(record)
            apply(router.upsertAttendant(routingProfile(record), now: now), now: now)
            if !record.active { endSessions(of: id, reason: "deactivated", now: now) }
            Log.info("attendant updated", ["att": id])
            return attendantJSON(record)
        }
        guard let password else { return .result(try save(record, now)) }
        let cost = config.passwordCost
        return .offLoop(work: { PasswordHash.make(password, cost: cost) as String? }) { [self] value, now in
            guard let hash = value as? String? ?? nil else { throw RPCError.internalError("password hashing failed") }
            // Other changes may have committed while the hash was made: apply this request to the record as it
            // is now, not to the copy read before.
            guard var current = try store.attendant(id) else { throw RPCError.notFound("attendant \(id)", field: "id") }
            _ = try AttendantFields.apply(params, to: &current, context: self)
            current.passwordHash = hash
            let saved = try save(current, now)
            // Its open desks end once this commits: a password is changed to shut another device out. (A
            // deactivation in the same update already ends them, saying so.)
            if current.active { endSessions(of: id, reason: "password-changed", now: now) }
            return saved
        }
    }

    /// Ends every session of an attendant (it was deactivated) once the turn has committed: a `session.ended` push,
    /// then the connection closes. If the turn fails the account stays active and so do its sessions.
    func endSessions(of attendant: AttendantID, reason: String, now: Instant) {
        fanOut.sessionsToEnd.append((attendant, reason))
    }

    func ensureLoginFree(_ login: String, except id: AttendantID?) throws {
        if let existing = try store.attendant(loginKey: Login.key(login)), existing.id != id {
            throw RPCError(code: RPCErrorCode.conflict, message: "login '\(login)' is taken",
                           data: ["field": "login", "reason": "already in use"])
        }
        if try store.admin(loginKey: Login.key(login)) != nil {  // one key space with admin accounts
            throw RPCError(code: RPCErrorCode.conflict, message: "login '\(login)' is taken",
                           data: ["field": "login", "reason": "already in use"])
        }
    }

    func ensureDepartmentsExist(_ departments: [String]) throws {
        for (index, department) in departments.enumerated() where !router.hasDepartment(department) {
            throw RPCError(code: RPCErrorCode.notFound, message: "department '\(department)' does not exist",
                           data: ["field": .string("departments[\(index)]"), "reason": "no such department"])
        }
    }

    func attendantGet(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["id"])
        let id = try params.int("id")
        guard let record = try store.attendant(id) else { throw RPCError.notFound("attendant \(id)", field: "id") }
        return .result(attendantJSONWithLock(record, now: now))
    }

    func attendantList(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["department", "presence"])
        let department = try params.optionalString("department", maxLength: 64)
        let presence = try params.optionalString("presence", maxLength: 16).map { text throws -> Presence in
            guard let value = Presence(rawValue: text) else {
                throw RPCError.invalidParams(field: "presence", reason: "must be online, away, offline or off-hours")
            }
            return value
        }
        if let department, !router.hasDepartment(department) {
            throw RPCError.notFound("department '\(department)'", field: "department")
        }
        let records = try store.attendants().filter { record in
            (department.map { record.departments.contains($0) } ?? true)
                && (presence.map { router.presence(of: record.id) == $0 } ?? true)
        }
        return .result(Wire.list("attendants", records) { record, w in
            Wire.attendant(record, presence: router.presence(of: record.id),
                           openChats: router.openChats(of: record.id),
                           wrappingChats: router.wrappingChats(of: record.id), into: &w)
        })
    }

    func attendantSetImage(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["id", "contentType", "base64"])
        let id = try params.int("id")
        let contentType = try params.string("contentType", maxLength: 64)
        let text = try params.string("base64", maxLength: 64 * 1_048_576)
        guard text.utf8.count <= (ImageKind.maxBytes + 2) / 3 * 4 + 4 else {
            throw RPCError.invalidParams(field: "base64", reason: "image larger than \(ImageKind.maxBytes) bytes")
        }
        guard let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters) else {
            throw RPCError.invalidParams(field: "base64", reason: "is not valid base64")
        }
        let kind = try ImageKind.validate(contentType: contentType, bytes: Array(data))
        guard var record = try store.attendant(id) else { throw RPCError.notFound("attendant \(id)", field: "id") }
        try store.saveImage(id, contentType: kind.rawValue, bytes: Array(data))
        record.hasImage = true
        return .result(attendantJSON(record))
    }

    func attendantImage(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["id"])
        let id = try params.int("id")
        guard let image = try store.image(id) else { throw RPCError.notFound("image of attendant \(id)", field: "id") }
        var w = JSONWriter(capacity: image.bytes.count * 4 / 3 + 128)
        w.beginObject()
        w.field("id", id)
        w.field("contentType", image.contentType)
        w.field("base64", Data(image.bytes).base64EncodedString())
        w.endObject()
        return .result(w.bytes)
    }

    // MARK: - Settings and stats

    func settingsJSON() -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        for key in AccountSettings.keys {
            w.dynamicKey(key)
            w.bool(settings[key]!)
        }
        w.field("requeueOnOffline", settings.requeueOnOffline.rawValue)
        w.field("maxMissedOffers", settings.maxMissedOffers)
        writeHolidays(into: &w)
        w.endObject()
        return w.bytes
    }

    func settingsGet(_ params: Params) throws -> Outcome {
        try params.rejectUnknown([])
        return .result(settingsJSON())
    }

    func settingsUpdate(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(Set(AccountSettings.keys + AccountSettings.numberKeys + ["holidays"]))
        var updated = settings
        for key in AccountSettings.keys {
            if let value = try params.optionalBool(key) { updated[key] = value }
        }
        try readOfferSettings(params, into: &updated)
        if let list = try params.optionalArray("holidays") { updated.holidays = try holidaysParam(list) }
        try store.saveSettings(updated)
        let holidaysChanged = updated.holidays != settings.holidays
        let before = settings
        settings = updated
        configureRouter()
        if holidaysChanged { try applyHolidays(now: now) }
        Log.info("settings updated")
        let result = settingsJSON()
        announceSettings(before: before, settingsJSON: result)
        return .result(result)
    }

    func statsGet(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["since"])
        let since = try sinceParam(params)
        let levels = try serviceLevels(since: since, now: now)
        var w = JSONWriter()
        w.beginObject()
        w.key("departments")
        w.beginObject()
        for id in router.departmentIDs {
            guard let stats = router.stats(of: id, now: now) else { continue }
            w.dynamicKey(id)
            w.beginObject()
            w.field("waiting", stats.waiting)
            w.field("oldestWaitSeconds", stats.oldestWaitSeconds)
            w.field("assigned", stats.assigned)
            w.field("offered", stats.offered)
            w.field("attendantsOnline", stats.attendantsOnline)
            ServiceLevels.writeServiceLevel(levels.departments.first { $0.department == id }, into: &w)
            w.endObject()
        }
        w.endObject()
        w.field("potentials", router.potentialCount)
        ServiceLevels.writeAttendantLevels(levels.attendants, offers: try offerOutcomes(
            since: since ?? ServiceLevels.startOfToday(now, timeZone: config.timezone)), into: &w)
        w.endObject()
        return .result(w.bytes)
    }
}

extension Daemon {
    /// Carries out the `endSessions` of a committed turn.
    func endSessionsNow(of attendant: AttendantID, reason: String, now: Instant) {
        guard let ids = fanOut.sessions[attendant] else { return }
        for id in ids {
            if let connection = fanOut.connections[id] { endSession(connection, reason: reason, now: now) }
        }
    }

    /// Tells a connection its session ended (`session.ended` with `reason`), drops its role, and closes it once
    /// that push is out.
    func endSession(_ connection: Connection, reason: String, now: Instant) {
        var w = JSONWriter()
        w.beginObject()
        w.field("type", "session.ended")
        w.field("reason", reason)
        w.endObject()
        stage(.push(RPCEncoder.notification(method: "event", params: w.bytes)), for: connection)
        endSession(connection, now: now)
        connection.closeAfterFlush = true
    }
}
