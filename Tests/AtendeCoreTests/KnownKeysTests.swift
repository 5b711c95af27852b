// KnownKeys: never "certainly not" for a key it was given, through growth past its first capacity; rarely
// "perhaps" for one it was not (about 1%); keys given as a String and as bytes are the same key.

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

    func testFalsePositivesStayRareAfterGrowth() {
        var keys = KnownKeys(expected: 1000)
        for number in 0..<80_000 { keys.insert("wamid.\(number)") }
        var perhaps = 0
        for number in 80_000..<180_000 where keys.mightContain("wamid.\(number)") { perhaps += 1 }
        // Each full filter adds its ~1% (3.3% measured with three full and one partly full).
        XCTAssertLessThan(perhaps, 4500, "false positives out of 100,000 after growing three times")
        XCTAssertGreaterThan(perhaps, 0, "a filter this full answers 'perhaps' for some keys it never saw")
    }

    func testKeysNeverNotedAreRarelyPerhapsHere() {
        var keys = KnownKeys(expected: 20_000)
        for number in 0..<20_000 { keys.insert("+55119\(10_000_000 + number)") }
        var perhaps = 0
        for number in 20_000..<120_000 where keys.mightContain("+55119\(10_000_000 + number)") { perhaps += 1 }
        XCTAssertLessThan(perhaps, 3000, "false positives out of 100,000 (expected about 1%)")
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
