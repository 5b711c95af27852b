// MethodShapes: the params of every method of the protocol, as a table: who calls it, a valid base, and the type
// of each field. The request-shape fuzzer replaces one field at a time with a value of every wrong type and
// expects -32602 naming exactly that field; a method missing here fails that test, so the table keeps up with
// the daemon's method table.

import AtendeProtocol

/// The JSON type a field must have.
enum FieldKind {
    case string, int, bool, object, stringArray, hours

    /// Values of every other type (null only where the field is required: optional fields treat it as absent).
    func wrongValues(required: Bool) -> [JSON] {
        var values: [JSON]
        switch self {
        case .string: values = [1, true, [], [:], 1.5]
        case .int: values = ["1", true, [], [:], 1.5, "x"]
        case .bool: values = ["true", 1, [], [:], 0]
        case .object: values = ["x", 1, [], true]
        case .stringArray: values = ["x", 1, [:], true]
        case .hours: values = [1, true, [], 1.5]
        }
        if required { values.append(.null) }
        return values
    }
}

/// One method's params.
struct MethodShape {
    /// The method name.
    var method: String
    /// `admin`, `bot`, `attendant` or `anyone`.
    var role: String
    /// Valid params the fields are swapped into (they refer to the fixture's ids).
    var base: JSONObject
    /// Each field: its path (`contact.phone` inside an object), type, and whether it is required.
    var fields: [(path: String, kind: FieldKind, required: Bool)]
    /// False for methods that keep unknown members (contact.save).
    var refusesUnknown = true
}

/// The ids the shapes refer to.
struct ShapeFixture {
    var attendant: Int64
    var assigned: Int64
    var waiting: Int64
    var potential: Int64
    var closed: Int64
}

extension MethodShape {
    /// Every method of the protocol.
    static func all(_ f: ShapeFixture) -> [MethodShape] {
        let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
        let attendantFields: [(String, FieldKind, Bool)] = [
            ("name", .string, false), ("login", .string, false), ("password", .string, false),
            ("phone", .string, false), ("email", .string, false), ("active", .bool, false),
            ("departments", .stringArray, false), ("hours", .hours, false), ("maxChats", .int, false),
        ]
        let required: Set<String> = ["name", "login", "password", "departments"]
        return [
            MethodShape(method: "system.ping", role: "anyone", base: [:], fields: []),
            MethodShape(method: "system.version", role: "anyone", base: [:], fields: []),
            MethodShape(method: "auth.admin", role: "anyone", base: [:], fields: [("token", .string, false)]),
            MethodShape(method: "auth.bot", role: "anyone", base: [:], fields: [("token", .string, false)]),
            MethodShape(method: "auth.login", role: "anyone", base: ["login": "nobody@example.com", "password": "x"],
                        fields: [("login", .string, true), ("password", .string, true), ("passive", .bool, false)]),
            MethodShape(method: "auth.logout", role: "admin", base: [:], fields: []),
            MethodShape(method: "auth.session", role: "anyone", base: [:], fields: []),
            MethodShape(method: "admin.create", role: "admin",
                        base: ["name": "Rui Lima", "login": "rui-admin@example.com", "password": "Painel2026x"],
                        fields: [("name", .string, true), ("login", .string, true), ("password", .string, true)]),
            MethodShape(method: "admin.list", role: "admin", base: [:], fields: []),
            MethodShape(method: "admin.update", role: "admin", base: ["id": 1, "name": "Rui Lima"],
                        fields: [("id", .int, true), ("name", .string, false), ("login", .string, false),
                                 ("password", .string, false)]),
            MethodShape(method: "admin.delete", role: "admin", base: ["id": 999], fields: [("id", .int, true)]),
            MethodShape(method: "department.create", role: "admin", base: ["id": "shape-new", "name": "Shape"],
                        fields: [("id", .string, true), ("name", .string, true), ("strategy", .string, false),
                                 ("offerTimeout", .int, false), ("replyTimeout", .int, false),
                                 ("wrapUp", .int, false), ("priorityStep", .int, false),
                                 ("serviceLevel", .int, false), ("overflow", .object, false),
                                 ("waitAlert", .int, false)]),
            MethodShape(method: "department.update", role: "admin", base: ["id": "shape", "name": "Shape"],
                        fields: [("id", .string, true), ("name", .string, false), ("strategy", .string, false),
                                 ("offerTimeout", .int, false), ("replyTimeout", .int, false),
                                 ("wrapUp", .int, false), ("priorityStep", .int, false),
                                 ("serviceLevel", .int, false), ("overflow", .object, false),
                                 ("waitAlert", .int, false)]),
            MethodShape(method: "department.delete", role: "admin", base: ["id": "shape-none"],
                        fields: [("id", .string, true)]),
            MethodShape(method: "department.list", role: "admin", base: [:], fields: []),
            MethodShape(method: "attendant.create", role: "admin",
                        base: ["name": "Rui Costa", "login": "shape-new@example.com", "password": "Secret123",
                               "departments": ["shape"]],
                        fields: attendantFields.map { ($0.0, $0.1, required.contains($0.0)) }),
            MethodShape(method: "attendant.update", role: "admin", base: ["id": .int(f.attendant)],
                        fields: [("id", .int, true)] + attendantFields),
            MethodShape(method: "attendant.get", role: "admin", base: ["id": .int(f.attendant)],
                        fields: [("id", .int, true)]),
            MethodShape(method: "attendant.list", role: "admin", base: [:],
                        fields: [("department", .string, false), ("presence", .string, false)]),
            MethodShape(method: "attendant.setImage", role: "admin",
                        base: ["id": .int(f.attendant), "contentType": "image/png", "base64": .string(png)],
                        fields: [("id", .int, true), ("contentType", .string, true), ("base64", .string, true)]),
            MethodShape(method: "attendant.image", role: "admin", base: ["id": .int(f.attendant)],
                        fields: [("id", .int, true)]),
            MethodShape(method: "attendant.unlock", role: "admin", base: ["id": .int(f.attendant)],
                        fields: [("id", .int, true)]),
            MethodShape(method: "attendant.delete", role: "admin", base: ["id": 999_999],
                        fields: [("id", .int, true)]),
            MethodShape(method: "attendant.colleagues", role: "attendant", base: [:], fields: []),
            MethodShape(method: "settings.get", role: "admin", base: [:], fields: []),
            MethodShape(method: "settings.update", role: "admin", base: [:],
                        fields: [("attendantsCanRemovePotentials", .bool, false),
                                 ("attendantsCanViewBotContacts", .bool, false),
                                 ("restrictAccessToHours", .bool, false),
                                 ("requeueOnOffline", .string, false), ("maxMissedOffers", .int, false)]),
            MethodShape(method: "stats.get", role: "admin", base: [:], fields: [("since", .string, false)]),
            MethodShape(method: "metrics.get", role: "admin", base: [:], fields: []),
            MethodShape(method: "monitor.subscribe", role: "admin", base: [:], fields: []),
            MethodShape(method: "conversation.explain", role: "admin", base: ["id": .int(f.assigned)],
                        fields: [("id", .int, true)]),
            MethodShape(method: "conversation.open", role: "bot",
                        base: ["externalId": "shape-open", "contact": ["phone": "11987654321"]],
                        fields: [("externalId", .string, true), ("contact", .object, true),
                                 ("contact.phone", .string, true), ("contact.name", .string, false),
                                 ("channel", .string, false), ("department", .string, false),
                                 ("text", .string, false), ("priority", .int, false)]),
            MethodShape(method: "conversation.route", role: "bot",
                        base: ["id": .int(f.potential), "department": "shape"],
                        fields: [("id", .int, true), ("department", .string, true)]),
            MethodShape(method: "conversation.message", role: "bot", base: ["id": .int(f.assigned), "text": "x"],
                        fields: [("id", .int, true), ("text", .string, true)]),
            MethodShape(method: "conversation.rate", role: "bot", base: ["id": .int(f.closed), "score": 5],
                        fields: [("id", .int, true), ("score", .int, true)]),
            MethodShape(method: "conversation.close", role: "bot", base: ["id": .int(f.assigned)],
                        fields: [("id", .int, true)]),
            MethodShape(method: "conversation.get", role: "bot", base: ["id": .int(f.assigned)],
                        fields: [("id", .int, true)]),
            MethodShape(method: "conversation.history", role: "bot", base: ["id": .int(f.assigned), "limit": 5],
                        fields: [("id", .int, true), ("limit", .int, false), ("authors", .bool, false)]),
            MethodShape(method: "contact.save", role: "bot", base: ["phone": "11987654321", "name": "Maria"],
                        fields: [("phone", .string, true), ("name", .string, true)], refusesUnknown: false),
            MethodShape(method: "presence.set", role: "attendant", base: ["presence": "online"],
                        fields: [("presence", .string, true)]),
            MethodShape(method: "queue.list", role: "attendant", base: [:], fields: [("limit", .int, false)]),
            MethodShape(method: "conversation.take", role: "attendant", base: ["id": .int(f.waiting)],
                        fields: [("id", .int, true)]),
            MethodShape(method: "conversation.accept", role: "attendant", base: ["id": .int(f.assigned)],
                        fields: [("id", .int, true)]),
            MethodShape(method: "conversation.decline", role: "attendant", base: ["id": .int(f.assigned)],
                        fields: [("id", .int, true)]),
            MethodShape(method: "conversation.finishWrapUp", role: "attendant", base: ["id": .int(f.closed)],
                        fields: [("id", .int, true)]),
            MethodShape(method: "conversation.wrapping", role: "attendant", base: [:], fields: []),
            MethodShape(method: "conversation.reply", role: "attendant", base: ["id": .int(f.assigned), "text": "x"],
                        fields: [("id", .int, true), ("text", .string, true)]),
            MethodShape(method: "conversation.transfer", role: "attendant",
                        base: ["id": .int(f.assigned), "department": "shape"],
                        fields: [("id", .int, true), ("department", .string, false), ("attendantId", .int, false)]),
            MethodShape(method: "potentials.list", role: "attendant", base: [:], fields: [("limit", .int, false)]),
            MethodShape(method: "potentials.remove", role: "admin", base: ["id": .int(f.potential)],
                        fields: [("id", .int, true)]),
            MethodShape(method: "contacts.list", role: "admin", base: [:],
                        fields: [("query", .string, false), ("limit", .int, false)]),
            MethodShape(method: "conversation.setPriority", role: "bot", base: ["id": .int(f.waiting), "priority": 0],
                        fields: [("id", .int, true), ("priority", .int, true)]),
            MethodShape(method: "conversation.position", role: "bot", base: ["id": .int(f.waiting)],
                        fields: [("id", .int, true)]),
            MethodShape(method: "conversation.list", role: "admin", base: [:],
                        fields: [("state", .string, false), ("department", .string, false),
                                 ("attendantId", .int, false), ("limit", .int, false), ("before", .int, false)]),
        ]
    }

    /// The base with the field at `path` set to `value`.
    func params(setting path: String, to value: JSON) -> JSON {
        var members = base
        let parts = path.split(separator: ".").map(String.init)
        if parts.count == 2 {
            var inner = members[parts[0]]?.objectValue ?? [:]
            inner[parts[1]] = value
            members[parts[0]] = .object(inner)
        } else {
            members[path] = value
        }
        return .object(members)
    }
}
