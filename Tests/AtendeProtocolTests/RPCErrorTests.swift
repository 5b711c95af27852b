// Tests for RPCError: each constructor's code, message and data.

import XCTest
@testable import AtendeProtocol

final class RPCErrorTests: XCTestCase {
    func testConstructors() {
        let cases: [(RPCError, Int, String, JSON?)] = [
            (.parseError("bad"), -32700, "parse error: bad", nil),
            (.invalidRequest("no method"), -32600, "invalid request: no method", nil),
            (.methodNotFound("x.y"), -32601, "method not found: x.y", ["method": "x.y"]),
            (.invalidParams(field: "contact.phone", reason: "is required"), -32602,
             "invalid params: contact.phone: is required", ["field": "contact.phone", "reason": "is required"]),
            (.internalError("disk full"), -32603, "internal error", ["reason": "disk full"]),
            (.unauthenticated(), 1001, "unauthenticated: authenticate first", nil),
            (.forbidden("admin only"), 1003, "forbidden: admin only", nil),
            (.notFound("attendant 7"), 1004, "not found: attendant 7", nil),
            (.conflict("login ana"), 1009, "conflict: login ana", nil),
            (.invalidState("chat is closed"), 1010, "invalid state: chat is closed", nil),
            (.outsideHours(), 1011, "outside working hours", nil),
            (.atCapacity(), 1012, "attendant at capacity", nil),
            (.throttled(retryAfterSeconds: 30), 1029, "too many attempts, retry after 30 seconds", ["retryAfter": 30]),
        ]
        for (error, code, message, data) in cases {
            XCTAssertEqual(error.code, code, message)
            XCTAssertEqual(error.message, message)
            XCTAssertEqual(error.data, data, message)
        }
    }

    func testCodesMatchTheContract() {
        XCTAssertEqual(
            [RPCErrorCode.parseError, RPCErrorCode.invalidRequest, RPCErrorCode.methodNotFound,
             RPCErrorCode.invalidParams, RPCErrorCode.internalError, RPCErrorCode.unauthenticated,
             RPCErrorCode.forbidden, RPCErrorCode.notFound, RPCErrorCode.conflict, RPCErrorCode.invalidState,
             RPCErrorCode.outsideHours, RPCErrorCode.atCapacity, RPCErrorCode.throttled],
            [-32700, -32600, -32601, -32602, -32603, 1001, 1003, 1004, 1009, 1010, 1011, 1012, 1029]
        )
    }

    func testEqualityAndDescription() {
        XCTAssertEqual(RPCError.notFound("a"), RPCError(code: 1004, message: "not found: a"))
        XCTAssertNotEqual(RPCError.notFound("a"), RPCError.notFound("b"))
        XCTAssertEqual(RPCError.atCapacity().description, "1012 attendant at capacity")
    }
}
