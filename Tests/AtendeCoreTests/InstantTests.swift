// Instant: ISO-8601 text against values computed independently (Python's datetime), leap years and
// centuries, negative instants, parsing with offsets and fractions, refusals, and a formatting round trip.

import XCTest
@testable import AtendeCore

final class InstantTests: XCTestCase {
    static let known: [(Int64, String)] = [
        (0, "1970-01-01T00:00:00.000Z"),
        (1, "1970-01-01T00:00:00.001Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (1_795_688_130_123, "2026-11-26T10:15:30.123Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (68_255_999_999, "1972-02-29T23:59:59.999Z"),
        (4_107_542_400_000, "2100-03-01T00:00:00.000Z"),
        (1_735_689_599_999, "2024-12-31T23:59:59.999Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        (-62_135_596_800_000, "0001-01-01T00:00:00.000Z"),
        (-2_203_848_000_000, "1900-03-01T12:00:00.000Z"),
        (-14_182_940_000, "1969-07-20T20:17:40.000Z"),
    ]

    func testFormatsKnownValues() {
        for (millis, text) in Self.known {
            XCTAssertEqual(Instant(millis: millis).iso8601, text, "\(millis)")
        }
    }

    func testWriteAppendsBytes() {
        var bytes = Array("at ".utf8)
        Instant(millis: 1_795_688_130_123).writeISO8601(into: &bytes)
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "at 2026-11-26T10:15:30.123Z")
        Instant(millis: 0).writeISO8601(into: &bytes)
        XCTAssertEqual(bytes.count, 3 + 24 + 24)
    }

    func testExtremeValuesDoNotTrap() {
        XCTAssertTrue(Instant(millis: 253_402_300_800_000).iso8601.hasPrefix("+10000-01-01T00:00:00.000Z"))
        XCTAssertTrue(Instant(millis: -62_135_596_800_001).iso8601.hasPrefix("0000-12-31T23:59:59.999Z"))
        XCTAssertTrue(Instant(millis: .max).iso8601.hasSuffix("Z"))
        XCTAssertTrue(Instant(millis: .min).iso8601.hasPrefix("-"))
    }

    func testParsesKnownValues() {
        for (millis, text) in Self.known {
            XCTAssertEqual(Instant(iso8601: text), Instant(millis: millis), text)
        }
    }

    func testParsesOffsetsAndFractions() {
        let base = Instant(millis: 1_795_688_130_000)  // 2026-11-26T10:15:30Z
        let table: [(String, Instant)] = [
            ("2026-11-26T10:15:30Z", base),
            ("2026-11-26T10:15:30.000Z", base),
            ("2026-11-26t10:15:30z", base),
            ("2026-11-26T07:15:30-03:00", base),
            ("2026-11-26T15:45:30+05:30", base),
            ("2026-11-26T10:15:30+00:00", base),
            ("2026-11-26T10:15:30-00:00", base),
            ("2026-11-26T10:15:30.1Z", base + 100),
            ("2026-11-26T10:15:30.12Z", base + 120),
            ("2026-11-26T10:15:30.123456Z", base + 123),
            ("2026-11-26T10:15:30.999999999Z", base + 999),
            ("2026-11-26T07:15:30.5-03:00", base + 500),
            ("2026-11-27T00:15:30+14:00", base),
        ]
        for (text, expected) in table {
            XCTAssertEqual(Instant(iso8601: text), expected, text)
        }
    }

    func testRefusesMalformedText() {
        let table = [
            "", "2026", "2026-11-26", "2026-11-26T10:15Z", "2026-11-26T10:15:30",
            "2026-11-26 10:15:30Z", "26-11-26T10:15:30Z", "2026-1-26T10:15:30Z", "+2026-11-26T10:15:30Z",
            "2026-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2024-02-30T00:00:00Z", "2026-04-31T00:00:00Z",
            "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-11-00T00:00:00Z", "2026-11-26T24:00:00Z",
            "2026-11-26T10:60:00Z", "2026-11-26T10:15:60Z", "2026-11-26T10:15:30.Z",
            "2026-11-26T10:15:30.1234567890Z", "2026-11-26T10:15:30+0300", "2026-11-26T10:15:30+03",
            "2026-11-26T10:15:30+24:00", "2026-11-26T10:15:30+03:60", "2026-11-26T10:15:30Z ",
            " 2026-11-26T10:15:30Z", "2026-11-26T10:15:30ZZ", "２026-11-26T10:15:30Z",
        ]
        for text in table {
            XCTAssertNil(Instant(iso8601: text), text)
        }
        XCTAssertNotNil(Instant(iso8601: "2024-02-29T00:00:00Z"))
        XCTAssertNotNil(Instant(iso8601: "2000-02-29T00:00:00Z"))
    }

    func testRoundTrip() {
        // A deterministic spread of instants from year 1 to 9999, including negative ones.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let low: Int64 = -62_135_596_800_000
        let high: Int64 = 253_402_300_799_999
        for _ in 0..<5000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let millis = low + Int64((state >> 1) % UInt64(high - low))
            let instant = Instant(millis: millis)
            XCTAssertEqual(Instant(iso8601: instant.iso8601), instant, "\(millis)")
        }
        // Every day boundary of a leap-year span, formatted and parsed back.
        for day in Int64(10_957)...Int64(12_500) {
            let instant = Instant(seconds: day * 86_400 - 1)
            XCTAssertEqual(Instant(iso8601: instant.iso8601), instant, instant.iso8601)
        }
    }

    func testArithmeticAndOrder() {
        let a = Instant(seconds: 1_795_688_130)
        XCTAssertEqual(a.millis, 1_795_688_130_000)
        XCTAssertEqual(a + 1500, Instant(millis: 1_795_688_131_500))
        XCTAssertEqual(a + -1000, Instant(seconds: 1_795_688_129))
        XCTAssertEqual((a + 1500) - a, 1500)
        XCTAssertEqual(a - (a + 1500), -1500)
        XCTAssertLessThan(a, a + 1)
        XCTAssertGreaterThan(a, Instant(millis: 0))
        XCTAssertEqual([a + 2, a, a + 1].sorted(), [a, a + 1, a + 2])
        XCTAssertEqual(Set([a, Instant(millis: a.millis)]).count, 1)
    }
}
