// DisplayWidthTests: the terminal width of characters and strings, as tables, and the layout helpers built on it
// (truncated, padded, the desk's wrap and prompt line) with emoji, East Asian text and combining marks.

@testable import atendectl
import XCTest

final class DisplayWidthTests: XCTestCase {
    func testWidthOfCharacters() {
        let table: [(Character, Int)] = [
            ("a", 1), (" ", 1), ("é", 1), ("e\u{301}", 1), ("ß", 1), ("\u{7}", 0),
            ("😀", 2), ("👍🏽", 2), ("👩\u{200D}💻", 2), ("❤\u{FE0F}", 2), ("✅", 2), ("⭐", 2),
            ("中", 2), ("한", 2), ("カ", 2), ("ｶ", 1), ("Ａ", 2), ("\u{200B}", 0), ("\u{301}", 0),
            ("🇧🇷", 2), ("→", 1), ("─", 1), ("…", 1),
        ]
        for (character, width) in table {
            XCTAssertEqual(DisplayWidth.of(character), width, "\(character.unicodeScalars.map { $0.value })")
        }
    }

    func testWidthOfStrings() {
        let table: [(String, Int)] = [
            ("", 0), ("Maria", 5), ("Obrigado! 😀", 12), ("José", 4), ("Jose\u{301}", 4), ("東京タワー", 10),
            ("ok 👍🏽 👩‍💻", 8),
        ]
        for (text, width) in table { XCTAssertEqual(text.displayWidth, width, text) }
    }

    func testTruncateAndPadCountColumns() {
        XCTAssertEqual("😀😀😀".truncated(to: 4), "😀…")
        XCTAssertEqual("😀😀😀".truncated(to: 4).displayWidth, 3)
        XCTAssertEqual("東京タワー".truncated(to: 5).displayWidth, 5)
        XCTAssertEqual("😀".padded(to: 4), "😀  ")
        XCTAssertEqual("Jose\u{301}".padded(to: 6).displayWidth, 6)
        XCTAssertEqual("abc".truncated(to: 3), "abc")
    }

    func testDeskLinesNeverExceedTheWidth() {
        let texts = ["Obrigado! 😀😀😀 até logo 👍🏽", "東京タワーに行きたいです。よろしくお願いします。",
                     String(repeating: "é", count: 200)]
        for text in texts {
            for piece in DeskScreen.wrap(text, first: 20, rest: 30) {
                XCTAssertLessThanOrEqual(piece.displayWidth, 30, piece)
            }
            XCTAssertEqual(DeskScreen.wrap(text, first: 20, rest: 30).joined().filter { $0 != " " },
                           text.filter { $0 != " " })
        }
        let (visible, column) = DeskScreen.promptLine("reply 3 😀😀", cursor: 10, width: 80)
        XCTAssertEqual(visible, "reply 3 😀😀")
        XCTAssertEqual(column, 3 + 12)
        let (cut, _) = DeskScreen.promptLine(String(repeating: "😀", count: 60), cursor: 60, width: 40)
        XCTAssertLessThanOrEqual(cut.displayWidth, 37)
    }
}
