// Tables for the field validators of AtendeCore: names, logins, passwords, e-mails, images, slugs, strategies.
// Each invalid row names the field and a substring of the reason, since clients show both next to the input.

import AtendeTestSupport
import XCTest
@testable import AtendeCore

/// Asserts that `body` throws a ValidationError for `field` whose reason contains `reason`.
func assertValidationError<T>(
    _ body: () throws(ValidationError) -> T, field: String, reason: String, _ label: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    do {
        let value = try body()
        XCTFail("\(label): expected \(field) error containing \"\(reason)\", got \(value)", file: file, line: line)
    } catch {
        XCTAssertEqual(error.field, field, label, file: file, line: line)
        XCTAssertTrue(error.reason.contains(reason), "\(label): reason \"\(error.reason)\" lacks \"\(reason)\"",
                      file: file, line: line)
    }
}

/// Asserts that `body` returns `expected` without throwing.
func assertValid<T: Equatable>(
    _ body: () throws(ValidationError) -> T, _ expected: T, _ label: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    do {
        let value = try body()
        XCTAssertEqual(value, expected, label, file: file, line: line)
    } catch {
        XCTFail("\(label): unexpected \(error)", file: file, line: line)
    }
}

final class ValidationTests: XCTestCase {
    func testValidationErrorIsData() {
        let error = ValidationError(field: "phone", reason: "unknown area code 20")
        XCTAssertEqual(error, ValidationError(field: "phone", reason: "unknown area code 20"))
        XCTAssertNotEqual(error, ValidationError(field: "email", reason: "unknown area code 20"))
        XCTAssertEqual(error.description, "phone: unknown area code 20")
    }

    func testPersonName() {
        let valid: [(String, String)] = [
            ("Ana Souza", "Ana Souza"),
            ("  Ana   Souza ", "Ana Souza"),
            ("Ana\tSouza\n", "Ana Souza"),
            ("João da Silva", "João da Silva"),
            ("Maria-José O'Neil", "Maria-José O'Neil"),
            ("Ana Souza 2", "Ana Souza 2"),
            ("李 小龍", "李 小龍"),
            ("Ana\u{00A0}Souza", "Ana Souza"),
            ("Ana " + String(repeating: "b", count: 116), "Ana " + String(repeating: "b", count: 116)),
            // The joiners are how some scripts and emoji are written: kept in names (not in logins).
            ("\u{0645}\u{06CC}\u{200C}\u{062E}\u{0648}\u{0627}\u{0647}\u{0645} Rezaei",
             "\u{0645}\u{06CC}\u{200C}\u{062E}\u{0648}\u{0627}\u{0647}\u{0645} Rezaei"),
            ("Ana \u{1F469}\u{200D}\u{1F4BB} Souza", "Ana \u{1F469}\u{200D}\u{1F4BB} Souza"),
        ]
        for (raw, expected) in valid {
            assertValid({ () throws(ValidationError) in try PersonName.validate(raw) }, expected, raw)
        }
        let invalid: [(String, String)] = [
            ("Ana", "two words"),
            ("  Ana  ", "two words"),
            ("Ana 123", "two words"),
            ("1 2", "two words"),
            ("", "empty"),
            ("   \t ", "empty"),
            ("Ana Sou\u{7}za", "control"),
            ("Ana\u{0}x Souza", "control"),
            ("Ana " + String(repeating: "b", count: 117), "at most 120"),
            (String(repeating: "Ana Souza ", count: 1000), "at most 120"),
            ("Ana \u{202E}azuoS", "(U+202E)"),
            ("Ana Sou\u{200B}za", "invisible or bidirectional"),
            ("Ana\u{2066} Souza", "(U+2066)"),
            ("Ana Sou\u{00AD}za", "(U+00AD)"),
            ("\u{FEFF}Ana Souza", "(U+FEFF)"),
        ]
        for (raw, reason) in invalid {
            assertValidationError({ () throws(ValidationError) in try PersonName.validate(raw) },
                                  field: "name", reason: reason, raw)
        }
        assertValidationError({ () throws(ValidationError) in try PersonName.validate("Ana", field: "contact.name") },
                              field: "contact.name", reason: "two words", "custom field")
    }

    func testLogin() {
        let long = String(repeating: "a", count: 242) + "@example.com"
        let valid: [(String, String)] = [
            ("ana@example.com", "ana@example.com"),
            ("  Ana.Souza@Example.com\n", "Ana.Souza@Example.com"),
            ("abc", "abc"),
            ("joão", "joão"),
            (long, long),
        ]
        for (raw, expected) in valid {
            assertValid({ () throws(ValidationError) in try Login.validate(raw) }, expected, raw)
        }
        let invalid: [(String, String)] = [
            ("", "empty"),
            ("   ", "empty"),
            ("ab", "at least 3"),
            (" ab ", "at least 3"),
            ("ana souza", "spaces"),
            ("ana\tsouza", "spaces"),
            ("ana\u{00A0}souza", "spaces"),
            ("ana\u{0}souza", "control"),
            ("ana\u{1B}souza", "control"),
            (long + "x", "at most 254"),
        ]
        for (raw, reason) in invalid {
            assertValidationError({ () throws(ValidationError) in try Login.validate(raw) },
                                  field: "login", reason: reason, raw)
        }
        XCTAssertEqual(Login.key("Ana.Souza@Example.COM"), "ana.souza@example.com")
        XCTAssertEqual(Login.key("JOÃO"), Login.key("joão"))
        XCTAssertNotEqual(Login.key("ana1"), Login.key("ana2"))
    }

    /// One login however its accents were typed: validate and key return NFC, compared here as bytes (Swift's ==
    /// calls canonically equivalent strings equal; the stores' indexes do not). Formatting characters (Cf) that
    /// make two logins look alike, or turn the text around, are refused with the code point named.
    func testLoginIsOneLoginInNFCAndHasNoInvisibleCharacters() throws {
        let composed = "jos\u{E9}", decomposed = "jose\u{301}"
        XCTAssertEqual(Array(try Login.validate(decomposed).utf8), Array(composed.utf8))
        XCTAssertEqual(Array(try Login.validate(" JOSE\u{301}@x.com ").utf8), Array("JOS\u{C9}@x.com".utf8))
        XCTAssertEqual(Array(Login.key(decomposed).utf8), Array(Login.key(composed).utf8))
        XCTAssertEqual(Array(Login.key("JOSE\u{301}").utf8), Array(composed.utf8))
        XCTAssertEqual(Array(Login.key("\u{212B}ngstr\u{F6}m").utf8), Array("\u{E5}ngstr\u{F6}m".utf8),
                       "the Angstrom sign is the letter \u{E5}")
        for scalar: UInt32 in [0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2060,
                               0x2061, 0x2062, 0x2063, 0x2064, 0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF, 0x00AD] {
            let character = String(Unicode.Scalar(scalar)!)
            let hex = String(scalar, radix: 16, uppercase: true)
            let code = "U+" + String(repeating: "0", count: 4 - hex.count) + hex
            for raw in ["ana" + character + "@x.com", character + "ana@x.com"] {
                assertValidationError({ () throws(ValidationError) in try Login.validate(raw) },
                                      field: "login", reason: "(\(code))", code)
            }
        }
    }

    func testPasswordPolicy() {
        let valid = ["Abcdefg1", "Senha123", "correct Horse battery 9", "ÇÃOÉÊÍ1ç", "çãoabcd1Ä",
                     "Aa1" + String(repeating: "x", count: 253)]
        for password in valid {
            do {
                try PasswordPolicy.check(password)
            } catch {
                XCTFail("\(password): unexpected \(error)")
            }
        }
        let invalid: [(String, String)] = [
            ("", "at least 8"),
            ("Abcdef1", "at least 8"),
            ("Aa1" + String(repeating: "x", count: 254), "at most 256"),
            ("abcdefg1", "upper-case"),
            ("ABCDEFG1", "lower-case"),
            ("ÇÃOÉÊÍÓ1", "lower-case"),
            ("Abcdefgh", "digit"),
            ("Abcdefg١", "digit"),
            ("12345678", "upper-case"),
            ("Abcdefg1\u{0}", "control"),
        ]
        for (password, reason) in invalid {
            assertValidationError({ () throws(ValidationError) in try PasswordPolicy.check(password) },
                                  field: "password", reason: reason, password)
        }
        assertValidationError({ () throws(ValidationError) in try PasswordPolicy.check("x", field: "newPassword") },
                              field: "newPassword", reason: "at least 8", "custom field")
    }

    func testEmailAddress() {
        let local64 = String(repeating: "a", count: 64)
        let label63 = String(repeating: "b", count: 63)
        let longest = local64 + "@" + [label63, label63, String(repeating: "c", count: 57), "com"]
            .joined(separator: ".")
        XCTAssertEqual(longest.utf8.count, 254)
        let valid: [(String, String)] = [
            ("ana@example.com", "ana@example.com"),
            ("  Ana.Souza+tag@Mail.Example.com.br \n", "Ana.Souza+tag@Mail.Example.com.br"),
            ("a!#$%&'*+-/=?^_`{|}~@x-y.io", "a!#$%&'*+-/=?^_`{|}~@x-y.io"),
            ("x@xn--bcher-kva.de", "x@xn--bcher-kva.de"),
            ("x@1.2.example.org", "x@1.2.example.org"),
            (local64 + "@example.com", local64 + "@example.com"),
            ("x@" + label63 + ".com", "x@" + label63 + ".com"),
            (longest, longest),
        ]
        for (raw, expected) in valid {
            assertValid({ () throws(ValidationError) in try EmailAddress.validate(raw) }, expected, raw)
        }
        let invalid: [(String, String)] = [
            ("", "empty"),
            ("  ", "empty"),
            ("ana", "exactly one @"),
            ("a@b@example.com", "exactly one @"),
            ("@example.com", "before the @"),
            ("ana@", "after the @"),
            (".ana@example.com", "misplaced dot"),
            ("ana.@example.com", "misplaced dot"),
            ("an..a@example.com", "misplaced dot"),
            ("an a@example.com", "not allowed"),
            ("ana\"x@example.com", "not allowed"),
            ("anã@example.com", "not allowed"),
            ("ana@localhost", "needs a dot"),
            ("ana@example..com", "empty label"),
            ("ana@.example.com", "empty label"),
            ("ana@example.com.", "empty label"),
            ("ana@-example.com", "hyphen"),
            ("ana@example-.com", "hyphen"),
            ("ana@exa_mple.com", "letters, digits, hyphens"),
            ("ana@exámple.com", "letters, digits, hyphens"),
            ("ana@[127.0.0.1]", "letters, digits, hyphens"),
            ("ana@example.c", "top-level"),
            ("ana@example.123", "top-level"),
            ("ana@example.c0m", "top-level"),
            (local64 + "a@example.com", "at most 64"),
            ("x@" + label63 + "b.com", "at most 63"),
            (longest + "m", "at most 254"),
        ]
        for (raw, reason) in invalid {
            assertValidationError({ () throws(ValidationError) in try EmailAddress.validate(raw) },
                                  field: "email", reason: reason, raw)
        }
    }

    static let png = TestImages.png()
    static let jpeg = TestImages.jpeg()
    static let webp = TestImages.webp()

    func testImageDetection() {
        let table: [(String, [UInt8], ImageKind?)] = [
            ("png", Self.png, .png),
            ("jpeg", Self.jpeg, .jpeg),
            ("webp", Self.webp, .webp),
            ("webp header only", Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBP".utf8), .webp),
            ("empty", [], nil),
            ("png truncated", Array(Self.png.prefix(7)), nil),
            ("jpeg truncated", [0xFF, 0xD8], nil),
            ("png corrupted", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0B], nil),
            ("wav", Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WAVE".utf8), nil),
            ("riff too short", Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEB".utf8), nil),
            ("gif", Array("GIF89a".utf8), nil),
            ("html", Array("<html><body>".utf8), nil),
        ]
        for (label, bytes, expected) in table {
            XCTAssertEqual(ImageKind.detect(bytes), expected, label)
        }
        XCTAssertEqual(ImageKind.allCases.map(\.rawValue), ["image/png", "image/jpeg", "image/webp"])
        XCTAssertEqual(ImageKind.maxBytes, 1_048_576)
    }

    func testImageValidation() {
        let biggest = TestImages.png(size: ImageKind.maxBytes)
        let valid: [(String, [UInt8], ImageKind)] = [
            ("image/png", Self.png, .png),
            ("IMAGE/PNG", Self.png, .png),
            (" image/png ", Self.png, .png),
            ("image/jpeg", Self.jpeg, .jpeg),
            ("image/jpg", Self.jpeg, .jpeg),
            ("Image/JPG", Self.jpeg, .jpeg),
            ("image/webp", Self.webp, .webp),
            ("image/webp; charset=binary", Self.webp, .webp),
            ("image/png", biggest, .png),
        ]
        for (contentType, bytes, expected) in valid {
            assertValid(
                { () throws(ValidationError) in try ImageKind.validate(contentType: contentType, bytes: bytes) },
                expected, contentType)
        }
        let invalid: [(String, [UInt8], String, String)] = [
            ("image/gif", Array("GIF89a".utf8), "contentType", "image/png, image/jpeg or image/webp"),
            ("text/html", Self.png, "contentType", "image/png, image/jpeg or image/webp"),
            ("", Self.png, "contentType", "image/png"),
            ("png", Self.png, "contentType", "image/png"),
            (String(repeating: "x", count: 200), Self.png, "contentType", "image/png"),
            ("image/png", Self.jpeg, "contentType", "declared image/png but the image is image/jpeg"),
            ("image/jpeg", Self.webp, "contentType", "declared image/jpeg but the image is image/webp"),
            ("image/webp", Self.png, "contentType", "declared image/webp"),
            ("image/png", [], "base64", "empty"),
            ("image/png", Array("<html><script>".utf8), "base64", "not a PNG, JPEG or WebP"),
            ("image/png", TestImages.png(size: ImageKind.maxBytes + 1), "base64", "1 MiB"),
        ]
        for (contentType, bytes, field, reason) in invalid {
            assertValidationError(
                { () throws(ValidationError) in try ImageKind.validate(contentType: contentType, bytes: bytes) },
                field: field, reason: reason, "\(contentType) \(bytes.prefix(4))")
        }
    }

    /// Past the magic bytes the headers must be whole and declare a sane size: a signature followed by junk, or a
    /// small file declaring a huge canvas, is refused naming `base64`.
    func testImageStructureAndDimensions() {
        let png = Self.png, jpeg = Self.jpeg
        let signature = Array(png.prefix(8))
        let iend = Array(png.suffix(12))
        let soi: [UInt8] = [0xFF, 0xD8]
        let app0 = TestImages.jpegSegment(0xE0, Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0])
        let sof = TestImages.jpegSegment(0xC0, [8, 0, 1, 0, 1, 1, 1, 0x11, 0])
        let sos = TestImages.jpegSegment(0xDA, [1, 1, 0, 0, 63, 0]) + [0x3F, 0xFF, 0xD9]
        let valid: [(String, [UInt8], ImageKind, Int, Int)] = [
            ("png 1×1", png, .png, 1, 1),
            ("png 10000×4000, 40 MP exactly", TestImages.png(width: 10_000, height: 4000), .png, 10_000, 4000),
            ("jpeg 1×1", jpeg, .jpeg, 1, 1),
            ("jpeg 640×480", TestImages.jpeg(width: 640, height: 480), .jpeg, 640, 480),
            ("jpeg fill bytes and a standalone marker", soi + [0xFF, 0xFF, 0xFF, 0x01] + sof + sos, .jpeg, 1, 1),
            ("jpeg progressive (SOF2)", soi + TestImages.jpegSegment(0xC2, [8, 0, 3, 0, 2, 1, 1, 0x11, 0]) + sos,
             .jpeg, 2, 3),
            ("webp lossy", TestImages.webp(.lossy), .webp, 1, 1),
            ("webp lossless", TestImages.webp(.lossless), .webp, 1, 1),
            ("webp extended", TestImages.webp(.extended), .webp, 1, 1),
            ("webp lossy 300×200", TestImages.webp(.lossy, width: 300, height: 200), .webp, 300, 200),
            ("webp lossless 8192×2000", TestImages.webp(.lossless, width: 8192, height: 2000), .webp, 8192, 2000),
            ("webp extended 640×480", TestImages.webp(.extended, width: 640, height: 480), .webp, 640, 480),
            ("webp with bytes past the RIFF", TestImages.webp() + [0, 0], .webp, 1, 1),
        ]
        for (label, bytes, kind, width, height) in valid {
            let type = kind.rawValue
            assertValid({ () throws(ValidationError) in try ImageKind.validate(contentType: type, bytes: bytes) },
                        kind, label)
            assertValid({ () throws(ValidationError) in try kind.dimensions(of: bytes).width }, width, label)
            assertValid({ () throws(ValidationError) in try kind.dimensions(of: bytes).height }, height, label)
        }

        let webp = TestImages.webp()
        /// `image` with another RIFF size.
        func riffSize(_ size: Int, _ image: [UInt8] = webp) -> [UInt8] {
            Array(image.prefix(4)) + [UInt8(size & 0xFF), UInt8(size >> 8 & 0xFF), 0, 0] + image.dropFirst(8)
        }
        var badVP8L = webp
        badVP8L[20] = 0x2E
        var badVP8 = TestImages.webp(.lossy)
        badVP8[24] = 0x02
        let junk = [UInt8](repeating: 0x41, count: 64)
        let invalid: [(String, [UInt8], String)] = [
            ("png signature and junk", signature + junk, "IHDR"),
            ("png cut after the signature", signature, "IHDR"),
            ("png cut inside IHDR", Array(png.prefix(20)), "IHDR"),
            ("png without IHDR", signature + TestImages.pngChunk("IDAT", [0]) + iend, "IHDR"),
            ("png with IHDR of 12 bytes", signature + TestImages.pngChunk("IHDR", Array(png[16..<28])) + iend,
             "IHDR"),
            ("png without IEND", Array(png.dropLast(12)), "IEND"),
            ("png with a cut IEND", Array(png.dropLast(1)), "IEND"),
            ("png with bytes after IEND", png + [0], "IEND"),
            ("png zero width", TestImages.png(width: 0, height: 1), "0×1 pixels"),
            ("png zero height", TestImages.png(width: 5, height: 0), "5×0 pixels"),
            ("png 20000×20000", TestImages.png(width: 20_000, height: 20_000),
             "the image is 20000×20000 pixels; the limit is 10000 a side and 40 megapixels"),
            ("png 9000×9000, over 40 MP", TestImages.png(width: 9000, height: 9000), "9000×9000"),
            ("png 10001×1", TestImages.png(width: 10_001, height: 1), "10001×1"),
            ("png 6325×6325", TestImages.png(width: 6325, height: 6325), "40 megapixels"),
            ("png 2^32-1 a side", TestImages.png(width: 0xFFFF_FFFF, height: 0xFFFF_FFFF), "4294967295×"),
            ("jpeg signature and junk", [0xFF, 0xD8, 0xFF] + junk, "segment runs past the end"),
            ("jpeg signature only", [0xFF, 0xD8, 0xFF], "ends before its frame header"),
            ("jpeg without SOF", soi + app0 + sos, "no frame header"),
            ("jpeg that ends without SOF", soi + app0, "ends before its frame header"),
            ("jpeg EOI before SOF", soi + app0 + [0xFF, 0xD9], "no frame header"),
            ("jpeg segment past the end", soi + [0xFF, 0xE0, 0x01, 0x00] + junk, "segment runs past the end"),
            ("jpeg length cut", soi + [0xFF, 0xE0, 0x00], "ends before its frame header"),
            ("jpeg length below 2", soi + [0xFF, 0xE0, 0x00, 0x01] + sof, "impossible length (1)"),
            ("jpeg junk between segments", soi + app0 + [0x41] + sof, "junk where a marker should be"),
            ("jpeg SOF too short", soi + TestImages.jpegSegment(0xC0, [8, 0, 1]), "frame header is too short"),
            ("jpeg zero width", TestImages.jpeg(width: 0, height: 8), "0×8 pixels"),
            ("jpeg 20000×20000", TestImages.jpeg(width: 20_000, height: 20_000), "20000×20000"),
            ("jpeg 9000×9000", TestImages.jpeg(width: 9000, height: 9000), "9000×9000"),
            ("webp header only", Array(webp.prefix(12)), "RIFF size"),
            ("webp RIFF size past the end", riffSize(webp.count - 7), "RIFF size"),
            ("webp RIFF size below 4", riffSize(3), "RIFF size"),
            ("webp with a bad chunk", TestImages.riff(TestImages.riffChunk("ALPH", junk)), "VP8, VP8L or VP8X"),
            ("webp signature and junk", Array("RIFF".utf8) + [68, 0, 0, 0] + Array("WEBP".utf8) + junk,
             "VP8, VP8L or VP8X"),
            ("webp VP8L cut", Array(riffSize(16).prefix(24)), "VP8L header"),
            ("webp VP8L bad signature", badVP8L, "VP8L header"),
            ("webp VP8 bad start code", badVP8, "VP8 header"),
            ("webp VP8X cut", riffSize(20, TestImages.webp(.extended)), "VP8X header"),
            ("webp lossy zero width", TestImages.webp(.lossy, width: 0, height: 3), "0×3 pixels"),
            ("webp lossless 16384×16384", TestImages.webp(.lossless, width: 16384, height: 16384), "16384×16384"),
            ("webp extended 20000×20000", TestImages.webp(.extended, width: 20_000, height: 20_000),
             "20000×20000"),
            ("webp extended 9000×9000", TestImages.webp(.extended, width: 9000, height: 9000), "9000×9000"),
        ]
        for (label, bytes, reason) in invalid {
            let type = ImageKind.detect(bytes)?.rawValue ?? "image/png"
            assertValidationError(
                { () throws(ValidationError) in try ImageKind.validate(contentType: type, bytes: bytes) },
                field: "base64", reason: reason, label)
        }
    }

    func testDepartmentID() {
        let max = String(repeating: "a", count: 64)
        for raw in ["sales", "a", "0", "suporte-2", "-", "pos-venda-sp", max] {
            assertValid({ () throws(ValidationError) in try DepartmentID.validate(raw) }, raw, raw)
        }
        let invalid: [(String, String)] = [
            ("", "empty"),
            ("Sales", "a-z, 0-9"),
            ("sales team", "a-z, 0-9"),
            (" sales", "a-z, 0-9"),
            ("vendas_1", "a-z, 0-9"),
            ("ação", "a-z, 0-9"),
            ("sales\n", "a-z, 0-9"),
            (max + "a", "at most 64"),
        ]
        for (raw, reason) in invalid {
            assertValidationError({ () throws(ValidationError) in try DepartmentID.validate(raw) },
                                  field: "id", reason: reason, raw)
        }
        assertValidationError({ () throws(ValidationError) in try DepartmentID.validate("X", field: "department") },
                              field: "department", reason: "a-z", "custom field")
    }

    func testStrategy() {
        let valid: [(String, Strategy)] = [
            ("least-busy", .leastBusy), ("round-robin", .roundRobin), ("longest-idle", .longestIdle),
            ("manual", .manual),
        ]
        for (raw, expected) in valid {
            assertValid({ () throws(ValidationError) in try Strategy.parse(raw) }, expected, raw)
            XCTAssertEqual(expected.rawValue, raw)
        }
        XCTAssertEqual(Strategy.allCases.count, 4)
        XCTAssertEqual(Strategy.default, .leastBusy)
        for raw in ["", "Least-Busy", "leastBusy", "least busy", " manual", "random"] {
            assertValidationError({ () throws(ValidationError) in try Strategy.parse(raw) },
                                  field: "strategy", reason: "least-busy, round-robin, longest-idle, manual", raw)
        }
    }
}
