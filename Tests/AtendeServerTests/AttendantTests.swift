// AttendantTests: attendant.create, update, get, list, setImage and image through the admin role, with every
// field rule of the contract: two-word names, case-insensitive unique logins, the password policy, Brazilian
// phones normalised to E.164, e-mail syntax, weekly hours, and pictures checked by their bytes. Each refused
// request is followed by a get or list proving that it changed nothing.

import AtendeClient
import AtendeProtocol
import AtendeTestSupport
import Foundation
import XCTest

final class AttendantTests: XCTestCase {
    private var daemon: TestDaemon!
    private var admin: RPCClient!

    override func setUpWithError() throws {
        // Lines long enough for a 1 MiB picture in base64 (see testDefaultLineLimitFitsTheLargestImage).
        daemon = try TestDaemon(["maxLineBytes": 4_194_304])
        admin = try daemon.admin()
        try admin.createDepartment("sales", name: "Sales")
        try admin.createDepartment("support", name: "Support", strategy: "round-robin")
    }

    override func tearDown() {
        admin = nil
        daemon = nil
    }

    private func attendants() throws -> [JSON] { try admin.call("attendant.list").list("attendants") }

    private let base: JSON = ["name": "Ana Souza", "login": "ana@example.com", "password": "Secret123",
                              "departments": ["sales"]]

    // MARK: - Attendants: create

    func testAttendantCreateShapeAndDefaults() throws {
        let attendant = try admin.call("attendant.create", base)
        XCTAssertNotNil(attendant["id"]?.intValue)
        XCTAssertEqual(attendant["name"], "Ana Souza")
        XCTAssertEqual(attendant["login"], "ana@example.com")
        XCTAssertEqual(attendant["hasImage"], false)
        XCTAssertEqual(attendant["active"], true)
        XCTAssertEqual(attendant["departments"], ["sales"])
        XCTAssertEqual(attendant["hours"], "always")
        XCTAssertEqual(attendant["maxChats"]?.intValue, 5)
        XCTAssertEqual(attendant["presence"], "offline")
        XCTAssertEqual(attendant["openChats"]?.intValue, 0)
        XCTAssertEqual(attendant["rating"]?["average"]?.doubleValue, 0)
        XCTAssertEqual(attendant["rating"]?["count"]?.intValue, 0)
        XCTAssertNil(attendant["phone"] ?? nil)
        XCTAssertNil(attendant["email"] ?? nil)
        XCTAssertNil(attendant["password"])
        XCTAssertNotNil(attendant["createdAt"]?.stringValue)
        XCTAssertEqual(try admin.call("attendant.get", ["id": attendant["id"]!]), attendant)
    }

    func testDefaultMaxChatsComesFromConfig() throws {
        let other = try TestDaemon(["defaultMaxChats": 3])
        let otherAdmin = try other.admin()
        try otherAdmin.createDepartment("sales")
        let id = try otherAdmin.createAttendant("x@y.com", departments: ["sales"])
        XCTAssertEqual(try otherAdmin.call("attendant.get", ["id": .int(id)])["maxChats"]?.intValue, 3)
    }

    func testAttendantCreateValidation() throws {
        try admin.createAttendant("taken@example.com", departments: ["sales"])
        let before = try attendants()
        let long = String(repeating: "a", count: 60)
        let cases: [(String, JSON, String)] = [
            ("one word", base.with("name", "Ana"), "name"),
            ("blank name", base.with("name", "   "), "name"),
            ("name too long", base.with("name", .string("\(long) \(long) x")), "name"),
            ("name not a string", base.with("name", 5), "name"),
            ("no name", base.without("name"), "name"),
            ("short login", base.with("login", "ab"), "login"),
            ("login with space", base.with("login", "ana souza"), "login"),
            ("login too long", base.with("login", .string(String(repeating: "l", count: 255))), "login"),
            ("no login", base.without("login"), "login"),
            ("no password", base.without("password"), "password"),
            ("short password", base.with("password", "Secr3t"), "password"),
            ("password without digit", base.with("password", "SecretSecret"), "password"),
            ("password without upper", base.with("password", "secret123"), "password"),
            ("password without lower", base.with("password", "SECRET123"), "password"),
            ("password too long", base.with("password", .string("Aa1" + String(repeating: "x", count: 254))),
             "password"),
            ("no departments", base.without("departments"), "departments"),
            ("departments not an array", base.with("departments", "sales"), "departments"),
            ("department not a string", base.with("departments", [1]), "departments[0]"),
            ("maxChats 0", base.with("maxChats", 0), "maxChats"),
            ("maxChats 1001", base.with("maxChats", 1001), "maxChats"),
            ("maxChats text", base.with("maxChats", "3"), "maxChats"),
            ("active text", base.with("active", "yes"), "active"),
            ("unknown param", base.with("nickname", "Aninha"), "nickname"),
        ]
        for (name, params, field) in cases {
            assertInvalid(field, try admin.callResult("attendant.create", params), name)
        }
        assertError(1004, try admin.callResult("attendant.create", base.with("departments", ["sales", "nope"])))
        let missing = try admin.callResult("attendant.create", base.with("departments", ["sales", "nope"]))
        if case .failure(let error) = missing {
            XCTAssertEqual(error.data?["field"], "departments[1]", "\(error)")
        }
        for login in ["taken@example.com", "TAKEN@example.com", "Taken@Example.COM", "  taken@example.com "] {
            assertError(1009, try admin.callResult("attendant.create", base.with("login", .string(login))), login)
        }
        XCTAssertEqual(try attendants(), before, "refused creates change nothing")
        // The edges that are allowed.
        let edges: [JSON] = [
            base.with("login", "abc"),
            base.with("login", .string(String(repeating: "m", count: 254))),
            base.with("login", "edge1").with("password", .string("Aa1" + String(repeating: "x", count: 253))),
            base.with("login", "edge2").with("password", "Abcdefg1"),
            base.with("login", "edge3").with("maxChats", 1000),
            base.with("login", "edge4").with("departments", []),
            base.with("login", "edge5").with("name", .string(String(repeating: "n", count: 59) + " "
                + String(repeating: "s", count: 60))),
        ]
        for params in edges {
            assertOK(try admin.callResult("attendant.create", params), "\(params["login"]!)")
        }
    }

    func testNameIsTrimmedAndCollapsed() throws {
        let attendant = try admin.call("attendant.create", base.with("name", "  Maria \t das   Dores  "))
        XCTAssertEqual(attendant["name"], "Maria das Dores")
    }

    func testPhoneIsNormalisedToE164() throws {
        let good: [(String, String)] = [
            ("(11) 98765-4321", "+5511987654321"),
            ("11987654321", "+5511987654321"),
            ("+55 11 98765-4321", "+5511987654321"),
            ("5511987654321", "+5511987654321"),
            ("21 3456-7890", "+552134567890"),
            ("+55 (61) 2345.6789", "+556123456789"),
            ("(99) 91234-5678", "+5599912345678"),
        ]
        for (index, (input, expected)) in good.enumerated() {
            let params = base.with("login", .string("phone\(index)")).with("phone", .string(input))
            let attendant = try admin.call("attendant.create", params)
            XCTAssertEqual(attendant["phone"]?.stringValue, expected, input)
        }
        let before = try attendants()
        let bad = [
            "20987654321",     // 20 is not an assigned DDD
            "10987654321",     // nor is 10
            "23987654321",     // nor is 23
            "11887654321",     // 9 digits not starting with 9
            "1167654321",      // landline starting 6
            "1118765432",      // landline starting 1
            "119876543",       // too short
            "119876543210",    // too long
            "+1 212 555 1234", // not Brazil
            "+44 20 7946 0958",
            "abc",
            "11 98765-4321 ext 2",
            "",
        ]
        for (index, input) in bad.enumerated() {
            let params = base.with("login", .string("bad-phone\(index)")).with("phone", .string(input))
            assertInvalid("phone", try admin.callResult("attendant.create", params), input)
        }
        XCTAssertEqual(try attendants(), before)
    }

    func testEmailValidation() throws {
        let ok = try admin.call("attendant.create", base.with("email", "ana.souza+work@example.com.br"))
        XCTAssertEqual(ok["email"], "ana.souza+work@example.com.br")
        let before = try attendants()
        for (index, email) in ["ana", "ana@", "@example.com", "ana@example", "ana souza@example.com",
                               "ana@@example.com", "ana@exa mple.com", "ana..souza@example.com", ""].enumerated() {
            let params = base.with("login", .string("mail\(index)")).with("email", .string(email))
            assertInvalid("email", try admin.callResult("attendant.create", params), email)
        }
        XCTAssertEqual(try attendants(), before)
    }

    // MARK: - Hours

    func testHoursAreValidated() throws {
        let before = try attendants()
        func week(_ mon: JSON, timezone: JSON? = nil) -> JSON {
            var hours: JSONObject = ["week": ["mon": mon]]
            if let timezone { hours["timezone"] = timezone }
            return .object(hours)
        }
        let bad: [(String, JSON)] = [
            ("overlap", week([["08:00", "12:00"], ["11:00", "13:00"]])),
            ("overlap out of order", week([["13:00", "18:00"], ["08:00", "13:30"]])),
            ("contained", week([["08:00", "18:00"], ["09:00", "10:00"]])),
            ("end before start", week([["12:00", "08:00"]])),
            ("empty interval", week([["08:00", "08:00"]])),
            ("hour 25", week([["08:00", "25:00"]])),
            ("minute 60", week([["08:60", "09:00"]])),
            ("no leading zero", week([["8:00", "12:00"]])),
            ("24:00 as a start", week([["24:00", "24:00"]])),
            ("past 24:00", week([["08:00", "24:01"]])),
            ("words", week([["morning", "noon"]])),
            ("single time", week([["08:00"]])),
            ("triple", week([["08:00", "09:00", "10:00"]])),
            ("numbers", week([[8, 12]])),
            ("day not a list", week("08:00-12:00")),
            ("unknown day", ["week": ["funday": [["08:00", "12:00"]]]]),
            ("unknown time zone", week([["08:00", "12:00"]], timezone: "Mars/Olympus_Mons")),
            ("time zone not a string", week([["08:00", "12:00"]], timezone: 3)),
            ("no week", ["timezone": "America/Sao_Paulo"]),
            ("other string", "sometimes"),
            ("number", 8),
        ]
        for (index, (name, hours)) in bad.enumerated() {
            let params = base.with("login", .string("hours\(index)")).with("hours", hours)
            let result = try admin.callResult("attendant.create", params)
            guard let error = assertError(-32602, result, name) else { continue }
            XCTAssertTrue(error.data?["field"]?.stringValue?.hasPrefix("hours") ?? false,
                          "\(name): field should name hours, got \(error.data?.text ?? "nil")")
        }
        XCTAssertEqual(try attendants(), before)
    }

    func testHoursAreStoredAndShown() throws {
        let hours: JSON = [
            "timezone": "America/Manaus",
            "week": [
                "mon": [["08:00", "12:00"], ["12:00", "18:00:30"]],
                "sat": [["22:00", "24:00"]],
            ],
        ]
        let attendant = try admin.call("attendant.create", base.with("hours", hours))
        XCTAssertEqual(attendant["hours"]?["timezone"], "America/Manaus")
        let monday = attendant["hours"]?["week"]?["mon"]?.arrayValue ?? []
        XCTAssertEqual(monday.count, 2, "touching intervals are allowed: \(attendant["hours"]!)")
        XCTAssertEqual(monday.first?.arrayValue?.first?.stringValue?.prefix(5), "08:00")
        XCTAssertEqual(attendant["hours"]?["week"]?["sat"]?.arrayValue?.first?.arrayValue?.last?.stringValue?.prefix(5),
                       "24:00")
        XCTAssertNil(attendant["hours"]?["week"]?["tue"] ?? nil, "a day left out is off")
        // Without a time zone the config's (America/Sao_Paulo) is used.
        let defaulted = try admin.call("attendant.create", base.with("login", "tz@example.com")
            .with("hours", ["week": ["tue": [["09:00", "17:00"]]]]))
        XCTAssertEqual(defaulted["hours"]?["timezone"], "America/Sao_Paulo")
        let always = try admin.call("attendant.update", ["id": defaulted["id"]!, "hours": "always"])
        XCTAssertEqual(always["hours"], "always")
    }

    // MARK: - Attendants: update, get, list

    func testUpdateChangesOnlyWhatItNames() throws {
        let created = try admin.call("attendant.create", base.with("phone", "11987654321").with("email", "a@b.com"))
        let id = created["id"]!
        let updated = try admin.call("attendant.update", ["id": id, "maxChats": 9, "departments": ["sales", "support"]])
        XCTAssertEqual(updated["maxChats"]?.intValue, 9)
        XCTAssertEqual(updated["departments"], ["sales", "support"])
        for key in ["name", "login", "phone", "email", "hours", "active", "createdAt"] {
            XCTAssertEqual(updated[key], created[key], key)
        }
        let cleared = try admin.call("attendant.update", ["id": id, "phone": nil, "email": nil])
        XCTAssertNil(cleared["phone"] ?? nil, "null removes the phone")
        XCTAssertNil(cleared["email"] ?? nil, "null removes the e-mail")
        XCTAssertEqual(try admin.call("attendant.get", ["id": id]), cleared)
        for method in ["attendant.update", "attendant.get", "attendant.unlock", "attendant.delete", "attendant.image"] {
            let error = assertError(1004, try admin.callResult(method, ["id": 999_999]), method)
            XCTAssertEqual(error?.data?["field"], "id", method)
        }
    }

    func testRefusedUpdatesChangeNothing() throws {
        try admin.createAttendant("other@example.com", departments: ["sales"])
        let created = try admin.call("attendant.create", base.with("phone", "11987654321"))
        let id = created["id"]!
        let bad: [(String, JSON, Int)] = [
            ("one-word name", ["name": "Ana"], -32602),
            ("bad phone", ["phone": "20987654321"], -32602),
            ("bad email", ["email": "nope"], -32602),
            ("weak password", ["password": "weakpass"], -32602),
            ("maxChats 0", ["maxChats": 0], -32602),
            ("overlapping hours", ["hours": ["week": ["mon": [["08:00", "12:00"], ["10:00", "14:00"]]]]], -32602),
            ("unknown department", ["departments": ["sales", "ghost"]], 1004),
            ("login taken in other case", ["login": "OTHER@example.com"], 1009),
            ("unknown param", ["colour": "red"], -32602),
            // A good field next to a bad one: nothing of it is applied.
            ("good and bad together", ["maxChats": 7, "name": "Single"], -32602),
            ("good and unknown department", ["maxChats": 7, "departments": ["ghost"]], 1004),
        ]
        for (name, changes, code) in bad {
            var params = changes.objectValue ?? [:]
            params["id"] = id
            assertError(code, try admin.callResult("attendant.update", .object(params)), name)
            XCTAssertEqual(try admin.call("attendant.get", ["id": id]), created, "\(name) changed the attendant")
        }
        // Changing the case of one's own login is not a conflict.
        let recased = try admin.call("attendant.update", ["id": id, "login": "ANA@example.com"])
        XCTAssertEqual(recased["login"], "ANA@example.com")
    }

    func testPasswordUpdateTakesEffect() throws {
        let id = try admin.createAttendant("ana", departments: ["sales"])
        try admin.call("attendant.update", ["id": .int(id), "password": "NewSecret456"])
        assertError(1001, try daemon.connect().callResult("auth.login", ["login": "ana", "password": "Secret123"]))
        assertOK(try daemon.connect().callResult("auth.login", ["login": "ana", "password": "NewSecret456"]))
    }

    func testListFilters() throws {
        let ana = try admin.createAttendant("ana", departments: ["sales"])
        let bia = try admin.createAttendant("bia", departments: ["support"])
        let caio = try admin.createAttendant("caio", departments: ["sales", "support"])
        func ids(_ params: JSON?) throws -> Set<Int64> {
            Set(try admin.call("attendant.list", params).list("attendants").map(\.id))
        }
        XCTAssertEqual(try ids(nil), [ana, bia, caio])
        XCTAssertEqual(try ids(["department": "sales"]), [ana, caio])
        XCTAssertEqual(try ids(["department": "support"]), [bia, caio])
        let session = try daemon.attendant(login: "bia")
        XCTAssertEqual(try ids(["presence": "online"]), [bia])
        XCTAssertEqual(try ids(["presence": "offline"]), [ana, caio])
        try session.call("presence.set", ["presence": "away"])
        XCTAssertEqual(try ids(["presence": "away"]), [bia])
        XCTAssertEqual(try ids(["presence": "online", "department": "support"]), [])
        assertInvalid("presence", try admin.callResult("attendant.list", ["presence": "busy"]))
        let ghost = assertError(1004, try admin.callResult("attendant.list", ["department": "ghost"]))
        XCTAssertEqual(ghost?.data?["field"], "department")
    }

    // MARK: - Images

    private static let png = TestImages.png(width: 48, height: 48)
    private static let jpeg = TestImages.jpeg(width: 64, height: 64)
    private static let webp = TestImages.webp(.lossy, width: 32, height: 32)

    private static func base64(_ bytes: [UInt8]) -> JSON { .string(Data(bytes).base64EncodedString()) }

    func testImagesAreCheckedByTheirBytes() throws {
        let id = JSON.int(try admin.createAttendant("ana", departments: ["sales"]))
        assertError(1004, try admin.callResult("attendant.image", ["id": id]), "no image yet")
        for (type, bytes) in [("image/png", Self.png), ("image/jpeg", Self.jpeg), ("image/webp", Self.webp)] {
            let attendant = try admin.call("attendant.setImage", ["id": id, "contentType": .string(type),
                                                                  "base64": Self.base64(bytes)])
            XCTAssertEqual(attendant["hasImage"], true)
            let image = try admin.call("attendant.image", ["id": id])
            XCTAssertEqual(image["contentType"]?.stringValue, type)
            XCTAssertEqual(image["base64"]?.stringValue.flatMap { Data(base64Encoded: $0) }.map { Array($0) }, bytes)
        }
        XCTAssertEqual(try admin.call("attendant.get", ["id": id])["hasImage"], true)
        let stored = try admin.call("attendant.image", ["id": id])
        let html = Array("<html><script>alert(1)</script></html>".utf8)
        let tooBig = TestImages.png(size: 1_048_577)
        let bad: [(String, JSON, JSON)] = [
            ("html labelled png", "image/png", Self.base64(html)),
            ("jpeg labelled png", "image/png", Self.base64(Self.jpeg)),
            ("png labelled webp", "image/webp", Self.base64(Self.png)),
            ("gif", "image/gif", Self.base64(Array("GIF89a".utf8) + Array(repeating: 0, count: 32))),
            ("svg type", "image/svg+xml", Self.base64(Self.png)),
            ("over 1 MiB", "image/png", Self.base64(tooBig)),
            ("empty", "image/png", ""),
            ("not base64", "image/png", "!!!not base64!!!"),
        ]
        for (name, type, payload) in bad {
            let result = try admin.callResult("attendant.setImage", ["id": id, "contentType": type,
                                                                     "base64": payload])
            assertError(-32602, result, name)
            XCTAssertEqual(try admin.call("attendant.image", ["id": id]), stored, "\(name) replaced the image")
        }
        assertError(1004, try admin.callResult("attendant.setImage", ["id": 999_999, "contentType": "image/png",
                                                                       "base64": Self.base64(Self.png)]))
        // An attendant may read pictures too.
        let session = try daemon.attendant(login: "ana")
        XCTAssertEqual(try session.call("attendant.image", ["id": id]), stored)
    }

    /// The headers are read past the magic bytes: a signature followed by junk, or a small file declaring a huge
    /// canvas, is refused naming `base64`, and the picture already stored stays.
    func testImageWithJunkAfterItsSignatureOrAHugeCanvasIsRefused() throws {
        let id = JSON.int(try admin.createAttendant("ana", departments: ["sales"]))
        try admin.call("attendant.setImage", ["id": id, "contentType": "image/png", "base64": Self.base64(Self.png)])
        let stored = try admin.call("attendant.image", ["id": id])
        let junk = [UInt8](repeating: 0x41, count: 256)
        let bad: [(String, JSON, [UInt8], String)] = [
            ("png signature and junk", "image/png", Array(Self.png.prefix(8)) + junk, "IHDR"),
            ("jpeg signature and junk", "image/jpeg", [0xFF, 0xD8, 0xFF] + junk, "JPEG"),
            ("webp signature and junk", "image/webp", Array(Self.webp.prefix(12)) + junk, "VP8"),
            ("png cut short", "image/png", Array(Self.png.dropLast(4)), "IEND"),
            ("20000×20000 png", "image/png", TestImages.png(width: 20_000, height: 20_000), "20000×20000 pixels"),
        ]
        for (name, type, bytes, reason) in bad {
            let result = try admin.callResult("attendant.setImage", ["id": id, "contentType": type,
                                                                     "base64": Self.base64(bytes)])
            assertInvalid("base64", result, name)
            if case .failure(let error) = result {
                let text = error.data?["reason"]?.stringValue ?? ""
                XCTAssertTrue(text.contains(reason), "\(name): \(text)")
            }
            XCTAssertEqual(try admin.call("attendant.image", ["id": id]), stored, "\(name) replaced the image")
        }
    }

    func testImageOfExactlyOneMebibyteIsAccepted() throws {
        let id = JSON.int(try admin.createAttendant("ana", departments: ["sales"]))
        let bytes = TestImages.png(size: 1_048_576)
        assertOK(try admin.callResult("attendant.setImage", ["id": id, "contentType": "image/png",
                                                             "base64": Self.base64(bytes)]))
    }

    /// The contract allows pictures of 1 MiB and lines of 1 MiB by default; base64 makes a picture a third
    /// larger, so with the default line limit pictures up to about 768 KiB fit (docs/protocol.md says so), and a
    /// larger one is refused at the edge with -32600 and a closed connection, as every over-long line is.
    func testDefaultLineLimitBoundsThePictureSize() throws {
        let defaults = try TestDaemon()
        let client = try defaults.admin()
        try client.createDepartment("sales")
        let id = JSON.int(try client.createAttendant("ana", departments: ["sales"]))
        let fits = TestImages.png(size: 760 * 1024)
        assertOK(try client.callResult("attendant.setImage", ["id": id, "contentType": "image/png",
                                                              "base64": Self.base64(fits)]))
        let tooLong = TestImages.png(size: 1_048_576)
        let other = try defaults.admin()
        try other.sendRaw(RPCEncoder.request(id: 7, method: "attendant.setImage", params: [
            "id": id, "contentType": "image/png", "base64": Self.base64(tooLong)]) + [10])
        let response = try other.nextResponse(timeout: 10)
        XCTAssertEqual(response["error"]?["code"]?.intValue, -32600)
        XCTAssertTrue(other.isClosedByServer(timeout: 5))
        let image = try client.call("attendant.image", ["id": id])
        XCTAssertEqual(image["base64"], Self.base64(fits), "the refused line changed nothing")
    }
}
