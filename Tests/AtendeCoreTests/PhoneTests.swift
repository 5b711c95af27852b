// Tables for phone normalization: the Brazilian numbering plan for attendants (every assigned DDD, the
// unassigned ones, landline and mobile shapes, country and trunk prefixes) and E.164 for bot contacts.

import XCTest
@testable import AtendeCore

final class PhoneTests: XCTestCase {
    /// Anatel's assigned DDDs, written out independently of the implementation's ranges.
    static let assigned: [Int] = [
        11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37, 38,
        41, 42, 43, 44, 45, 46, 47, 48, 49, 51, 53, 54, 55, 61, 62, 63, 64, 65, 66, 67, 68, 69,
        71, 73, 74, 75, 77, 79, 81, 82, 83, 84, 85, 86, 87, 88, 89, 91, 92, 93, 94, 95, 96, 97, 98, 99,
    ]
    static let unassigned: [Int] = [
        10, 20, 23, 25, 26, 29, 30, 36, 39, 40, 50, 52, 56, 57, 58, 59, 60, 70, 72, 76, 78, 80, 90,
    ]

    func testAreaCodeList() {
        XCTAssertEqual(Self.assigned.count, 67)
        XCTAssertEqual(BrazilianPhone.areaCodes, Set(Self.assigned))
        XCTAssertEqual(Set(Self.assigned).union(Self.unassigned), Set(10...99), "every two-digit code is classified")
        XCTAssertTrue(Set(Self.assigned).isDisjoint(with: Self.unassigned))
    }

    func testEveryAssignedAreaCodeIsAccepted() {
        for ddd in Self.assigned {
            assertValid({ () throws(ValidationError) in try BrazilianPhone.normalize("(\(ddd)) 98765-4321") },
                        "+55\(ddd)987654321", "mobile \(ddd)")
            assertValid({ () throws(ValidationError) in try BrazilianPhone.normalize("\(ddd) 3456-7890") },
                        "+55\(ddd)34567890", "landline \(ddd)")
            assertValid({ () throws(ValidationError) in try BrazilianPhone.normalize("+55 \(ddd) 2345 6789") },
                        "+55\(ddd)23456789", "+55 landline \(ddd)")
        }
    }

    func testEveryUnassignedAreaCodeIsRefused() {
        for ddd in Self.unassigned {
            let shown = ddd < 10 ? "0\(ddd)" : "\(ddd)"
            for raw in ["(\(ddd)) 98765-4321", "+55 \(ddd) 3456-7890", "55\(ddd)987654321"] {
                assertValidationError({ () throws(ValidationError) in try BrazilianPhone.normalize(raw) },
                                      field: "phone", reason: "unknown area code \(shown)", raw)
            }
        }
    }

    func testBrazilianFormats() {
        let valid: [(String, String)] = [
            ("(11) 98765-4321", "+5511987654321"),
            ("+55 11 98765-4321", "+5511987654321"),
            ("+55 (11) 98765-4321", "+5511987654321"),
            ("+5511987654321", "+5511987654321"),
            ("5511987654321", "+5511987654321"),
            ("55 11 98765 4321", "+5511987654321"),
            ("11987654321", "+5511987654321"),
            ("11.98765.4321", "+5511987654321"),
            ("  (11) 98765-4321\n", "+5511987654321"),
            ("011 98765-4321", "+5511987654321"),
            ("(011) 98765-4321", "+5511987654321"),
            ("11 3456-7890", "+551134567890"),
            ("(21) 2345-6789", "+552123456789"),
            ("551134567890", "+551134567890"),
            ("+55 51 5432-1098", "+555154321098"),
            ("0 11 3456 7890", "+551134567890"),
            ("(55) 98765-4321", "+5555987654321"),
            ("(55) 3456-7890", "+555534567890"),
        ]
        for (raw, expected) in valid {
            assertValid({ () throws(ValidationError) in try BrazilianPhone.normalize(raw) }, expected, raw)
        }
        let invalid: [(String, String)] = [
            ("", "empty"),
            ("   ", "empty"),
            ("() --", "no digits"),
            ("abc", "may contain only"),
            ("11 98765-432a", "may contain only"),
            ("11+98765-4321", "may contain only"),
            ("++55 11 98765-4321", "may contain only"),
            ("11/98765-4321", "may contain only"),
            ("+1 212 555 1234", "only Brazilian"),
            ("+351 912 345 678", "only Brazilian"),
            ("+55 11 8765-432", "has 9 digits"),
            ("+55 11 98765-43210", "has 12 digits"),
            ("987654321", "has 9 digits"),
            ("11 98765-43210", "has 12 digits"),
            ("1234567", "has 7 digits"),
            ("55 11 98765 43210", "has 14 digits"),
            (String(repeating: "1", count: 70), "too long"),
            ("(20) 98765-4321", "unknown area code 20"),
            ("(11) 6543-2109", "landline numbers have 8 digits starting with 2 to 5"),
            ("(11) 7543-2109", "landline"),
            ("(11) 8543-2109", "landline"),
            ("(11) 1234-5678", "landline"),
            ("(11) 0234-5678", "landline"),
            ("(11) 9876-5432", "mobile numbers have 9 digits starting with 9"),
            ("(11) 88765-4321", "mobile numbers have 9 digits starting with 9"),
            ("(11) 38765-4321", "mobile numbers have 9 digits starting with 9"),
            ("+55 11 9876-5432", "mobile numbers have 9 digits starting with 9"),
        ]
        for (raw, reason) in invalid {
            assertValidationError({ () throws(ValidationError) in try BrazilianPhone.normalize(raw) },
                                  field: "phone", reason: reason, raw)
        }
        assertValidationError({ () throws(ValidationError) in try BrazilianPhone.normalize("x", field: "mobile") },
                              field: "mobile", reason: "may contain only", "custom field")
    }

    func testContactPhone() {
        let valid: [(String, String)] = [
            ("+1 (212) 555-1234", "+12125551234"),
            ("+44 20 7946 0958", "+442079460958"),
            ("447911123456", "+447911123456"),
            ("+351 912 345 678", "+351912345678"),
            ("(11) 98765-4321", "+5511987654321"),
            ("1134567890", "+551134567890"),
            ("5511987654321", "+5511987654321"),
            ("+55 11 98765-4321", "+5511987654321"),
            ("2079460958", "+2079460958"),
            ("+1134567890", "+1134567890"),
            ("12345678", "+12345678"),
            ("+123456789012345", "+123456789012345"),
            ("+5511987654321", "+5511987654321"),
            ("+12345678", "+12345678"),
        ]
        for (raw, expected) in valid {
            assertValid({ () throws(ValidationError) in try ContactPhone.normalize(raw) }, expected, raw)
        }
        let invalid: [(String, String)] = [
            ("", "empty"),
            ("abc", "may contain only"),
            ("+1 212 555 1234 x12", "may contain only"),
            ("1234567", "expected 8 to 15"),
            ("+1234567890123456", "expected 8 to 15"),
            ("0123456789", "country code"),
            ("+0 123 4567 890", "country code"),
            ("+0123456789", "country code"),
            ("+1234567", "expected 8 to 15"),
            ("+1234567x", "may contain only"),
        ]
        for (raw, reason) in invalid {
            assertValidationError({ () throws(ValidationError) in try ContactPhone.normalize(raw) },
                                  field: "phone", reason: reason, raw)
        }
    }
}
