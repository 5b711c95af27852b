// WireScan: tells what a line from atended is without building a JSON tree. The generator reads every push the
// daemon sends (with 50 bots, each closed chat is announced 50 times), so it matches the fixed shape the daemon
// writes: `{"jsonrpc":"2.0","id":..,"result"|"error"` for responses and
// `{"jsonrpc":"2.0","method":"event","params":{"type":"..","conversation":{"id":..,"externalId":".."` for
// pushes. A line of any other shape goes through AtendeProtocol's JSONParser, so a change of member order in the
// daemon costs speed, not correctness.

import AtendeProtocol
import Glibc

/// The kind of a push.
enum EventKind: Equatable {
    case assigned, closed, queueChanged, offered, revoked, other
}

/// A push: its kind, and for conversation events the conversation id and the number after the last `-` of its
/// externalId (the generator's sequence number for it).
struct Event {
    var kind: EventKind
    var conversation: Int64
    var tag: Int64
}

/// What a line from the daemon is.
enum Inbound {
    /// A response; `ok` is false for an error response.
    case response(ok: Bool)
    /// A batch answer: how many members succeeded and failed.
    case batch(ok: Int, failed: Int)
    /// A push.
    case event(Event)
    /// Not JSON-RPC that the generator understands.
    case unknown
}

enum WireScan {
    private static let envelope = Array(#"{"jsonrpc":"2.0","#.utf8)
    private static let idKey = Array(#""id":"#.utf8)
    private static let resultKey = Array(#","result""#.utf8)
    private static let errorKey = Array(#","error""#.utf8)
    private static let eventHead = Array(#""method":"event","params":{"type":""#.utf8)
    private static let conversationHead = Array(#"","conversation":{"id":"#.utf8)
    private static let externalKey = Array(#","externalId":""#.utf8)
    private static let responseMark = Array(#"{"jsonrpc":"2.0","id":"#.utf8)

    /// Classifies one line (without its newline).
    static func classify(_ line: UnsafeRawBufferPointer) -> Inbound {
        guard line.count > envelope.count, let base = line.baseAddress else { return parsed(line) }
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        if bytes[0] == UInt8(ascii: "[") { return batch(bytes, line.count) }
        guard matches(bytes, line.count, 0, envelope) else { return parsed(line) }
        var index = envelope.count
        if matches(bytes, line.count, index, idKey) {
            index += idKey.count
            while index < line.count && bytes[index] != UInt8(ascii: ",") { index += 1 }
            if matches(bytes, line.count, index, resultKey) { return .response(ok: true) }
            if matches(bytes, line.count, index, errorKey) { return .response(ok: false) }
            return parsed(line)
        }
        guard matches(bytes, line.count, index, eventHead) else { return parsed(line) }
        index += eventHead.count
        let typeStart = index
        while index < line.count && bytes[index] != UInt8(ascii: "\"") { index += 1 }
        let kind = eventKind(UnsafeBufferPointer(start: bytes + typeStart, count: index - typeStart))
        guard kind == .assigned || kind == .closed || kind == .offered else {
            return .event(Event(kind: kind, conversation: 0, tag: 0))
        }
        guard matches(bytes, line.count, index, conversationHead) else { return parsed(line) }
        index += conversationHead.count
        var conversation: Int64 = 0
        while index < line.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
            conversation = conversation * 10 + Int64(bytes[index] - 0x30)
            index += 1
        }
        guard matches(bytes, line.count, index, externalKey) else { return parsed(line) }
        index += externalKey.count
        var tag: Int64 = 0
        while index < line.count && bytes[index] != UInt8(ascii: "\"") {
            let byte = bytes[index]
            if byte == UInt8(ascii: "-") {
                tag = 0
            } else if byte >= 0x30 && byte <= 0x39 {
                tag = tag * 10 + Int64(byte - 0x30)
            }
            index += 1
        }
        return .event(Event(kind: kind, conversation: conversation, tag: tag))
    }

    private static func eventKind(_ type: UnsafeBufferPointer<UInt8>) -> EventKind {
        // memcmp against the literals' bytes: `elementsEqual` with a String's UTF-8 view walked it element by
        // element, and took about a tenth of the generator's time.
        func equals(_ literal: StaticString) -> Bool {
            type.count == literal.utf8CodeUnitCount && type.baseAddress.map {
                memcmp($0, literal.utf8Start, type.count) == 0
            } ?? false
        }
        if equals("conversation.assigned") { return .assigned }
        if equals("conversation.closed") { return .closed }
        if equals("queue.changed") { return .queueChanged }
        if equals("conversation.offered") { return .offered }
        if equals("conversation.revoked") { return .revoked }
        return .other
    }

    @inline(__always)
    private static func matches(_ bytes: UnsafePointer<UInt8>, _ count: Int, _ at: Int, _ pattern: [UInt8]) -> Bool {
        guard at + pattern.count <= count else { return false }
        return pattern.withUnsafeBufferPointer { memcmp(bytes + at, $0.baseAddress!, pattern.count) == 0 }
    }

    /// Counts the members of a batch answer: every member starts with `{"jsonrpc":"2.0","id":`.
    private static func batch(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> Inbound {
        var ok = 0
        var failed = 0
        var index = 0
        let mark = responseMark
        while index < count, let found = memchr(bytes + index, Int32(UInt8(ascii: "{")), count - index) {
            index = UnsafeRawPointer(bytes).distance(to: UnsafeRawPointer(found))
            guard matches(bytes, count, index, mark) else {
                index += 1
                continue
            }
            index += mark.count
            while index < count && bytes[index] != UInt8(ascii: ",") { index += 1 }
            if matches(bytes, count, index, resultKey) { ok += 1 } else { failed += 1 }
        }
        return .batch(ok: ok, failed: failed)
    }

    /// The slow path: a full parse.
    private static func parsed(_ line: UnsafeRawBufferPointer) -> Inbound {
        guard let json = try? JSONParser.parse(Array(line)) else { return .unknown }
        if let members = json.arrayValue {
            let failed = members.filter { $0["error"] != nil }.count
            return .batch(ok: members.count - failed, failed: failed)
        }
        if json["method"]?.stringValue == "event", let params = json["params"] {
            let kind: EventKind
            switch params["type"]?.stringValue {
            case "conversation.assigned": kind = .assigned
            case "conversation.closed": kind = .closed
            case "queue.changed": kind = .queueChanged
            case "conversation.offered": kind = .offered
            case "conversation.revoked": kind = .revoked
            default: kind = .other
            }
            let conversation = params["conversation"]
            let external = conversation?["externalId"]?.stringValue ?? ""
            let tag = Int64(external.split(separator: "-").last ?? "") ?? 0
            return .event(Event(kind: kind, conversation: conversation?["id"]?.intValue ?? 0, tag: tag))
        }
        if json["id"] != nil { return .response(ok: json["result"] != nil) }
        return .unknown
    }

    /// The line as text, shortened, for error messages.
    static func text(_ line: UnsafeRawBufferPointer) -> String {
        String(decoding: line.prefix(400), as: UTF8.self)
    }
}
