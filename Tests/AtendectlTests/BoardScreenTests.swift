// BoardScreenTests: the live `top` frame on an 80x24 terminal keeps today's service level and the stuck chats on
// screen (a second header line when one is too narrow for them; they used to be cut off), and the chats column
// counts the slots wrap-ups hold.

@testable import atendectl
import AtendeProtocol
import XCTest

final class BoardScreenTests: XCTestCase {
    private func board() -> Board {
        var board = Board()
        board.load(departments: ["departments": [["id": "vendas", "name": "Vendas", "strategy": "least-busy"]]])
        board.load(attendants: ["attendants": [
            ["id": 1, "name": "Ana Souza", "presence": "online", "active": true, "openChats": 1, "wrappingChats": 1,
             "maxChats": 2, "departments": ["vendas"]],
            ["id": 2, "name": "Caio Dias", "presence": "offline", "active": true, "openChats": 4, "maxChats": 5,
             "departments": ["vendas"]],
        ]])
        board.load(stats: ["departments": ["vendas": ["waiting": 1, "oldestWaitSeconds": 95, "assigned": 5,
                                                      "attendantsOnline": 1, "served": 7, "abandoned": 3,
                                                      "serviceLevel": 0.7]],
                           "potentials": 2], at: 1_764_860_000)
        return board
    }

    func testServiceFiguresStayOnAnEightyColumnScreen() {
        let lines = visibleLines(BoardScreen.frame(board(), rows: 24, columns: 80, now: 1_764_860_000,
                                                   status: ("q quit", false)))
        XCTAssertEqual(lines.count, 24)
        for line in lines { XCTAssertLessThanOrEqual(line.displayWidth, 80, line) }
        XCTAssertTrue(lines[0].contains("1 of 2 attendants online, 1 waiting, 2 potentials"), lines[0])
        XCTAssertTrue(lines[1].contains("service level 70%") && lines[1].contains("4 stuck with offline attendants"),
                      lines[1])
        let wide = visibleLines(BoardScreen.frame(board(), rows: 24, columns: 200, now: 1_764_860_000,
                                                  status: ("q quit", false)))
        XCTAssertTrue(wide[0].contains("service level 70%"), "one line when it fits: \(wide[0])")
        XCTAssertFalse(wide[1].contains("service level"))
    }

    func testTheChatsColumnCountsWrapUps() {
        let text = BoardScreen.text(board(), width: 120, now: 1_764_860_000)
        XCTAssertTrue(text.contains("1+1w/2"), text)
        XCTAssertTrue(text.contains("4/5"), text)
    }
}
