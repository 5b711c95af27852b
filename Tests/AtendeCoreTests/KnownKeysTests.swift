// KnownKeys: never "certainly not" for a key it was given, through growth past its first capacity; rarely
// "perhaps" for one it was not (about 0.1%); keys given as a String and as bytes are the same key.

import XCTest
@testable import AtendeCore

final class KnownKeysTests: XCTestCase {
    func testEveryNotedKeyIsPerhapsHereThroughGrowth() {
        var keys = KnownKeys(expected: 1000)
        for number in 0..<50_000 { keys.insert("life-\(number)") }
        XCTAssertEqual(keys.count, 50_000)
        for number in 0..<50_000 { XCTAssertTrue(keys.mightContain("life-\(number)"), "life-\(number)") }
        // 1,000 then 4,000, 16,000 and 64,000: a lookup asks four filters, not the seven that doubling would make.
        XCTAssertEqual(keys.filterCount, 4)
    }

    /// Notes `key(n)` for the first `noted` numbers into a set sized for `expected`; returns how many of the next
    /// 100,000 keys, never noted, are "perhaps" there.
    private func falsePositives(expected: Int, noted: Int, _ key: (Int) -> String) -> Int {
        var keys = KnownKeys(expected: expected)
        for number in 0..<noted { keys.insert(key(number)) }
        return (noted..<(noted + 100_000)).filter { keys.mightContain(key($0)) }.count
    }

    func testFalsePositivesStayRareAfterGrowth() {
        let perhaps = falsePositives(expected: 1000, noted: 80_000) { "wamid.\($0)" }
        // Each full filter adds its ~0.1% (0.33% measured with three full and one partly full).
        XCTAssertLessThan(perhaps, 700, "false positives out of 100,000 after growing three times")
        XCTAssertGreaterThan(perhaps, 0, "a filter this full answers 'perhaps' for some keys it never saw")
    }

    func testKeysNeverNotedAreRarelyPerhapsHere() {
        let perhaps = falsePositives(expected: 20_000, noted: 20_000) { "+55119\(10_000_000 + $0)" }
        XCTAssertLessThan(perhaps, 300, "false positives out of 100,000 (expected about 0.1%)")
        XCTAssertFalse(KnownKeys().mightContain("anything"), "an empty set has nothing")
    }

    func testBytesAndStringsAreTheSameKey() {
        var keys = KnownKeys()
        let text = "wamid.HBgMNTUxMTk4NzY1NDMyMRUCABIYFjNFQjBD-ação"
        Array(text.utf8).withUnsafeBytes { keys.insert(bytes: $0) }
        XCTAssertTrue(keys.mightContain(text))
        XCTAssertFalse(keys.mightContain(text + "x") && keys.mightContain(text + "y") && keys.mightContain(text + "z"))
    }
}
