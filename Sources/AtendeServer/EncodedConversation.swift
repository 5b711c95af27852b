// EncodedConversation and ConversationEvent: a reply or push that carries a conversation holds the conversation
// and writes its JSON only when the output is encoded. With durability full that happens on the outbox's thread,
// after the fsync, so the loop hands the value over instead of encoding it between requests; one encoding serves
// every reply and push of the same state (an open's reply, the attendant's and the bot's `conversation.assigned`).

import AtendeCore
import AtendeProtocol
import Synchronization

/// A conversation whose JSON is written the first time any thread asks for it, then kept.
final class EncodedConversation: Sendable {
    let conversation: Conversation
    private let encoded = Mutex<[UInt8]?>(nil)

    init(_ conversation: Conversation) { self.conversation = conversation }

    /// The conversation's JSON (`Wire.conversation`).
    var bytes: [UInt8] {
        encoded.withLock { encoded in
            if let bytes = encoded { return bytes }
            let bytes = Wire.conversation(conversation)
            encoded = bytes
            return bytes
        }
    }
}

/// A push made of fixed bytes around a conversation's JSON: an `event` notification's envelope, its type and
/// what follows the conversation (`}}`, or the bots' `conversation.assigned` attendant). Written once, when first
/// asked for, however many connections hear it; a class, so staging it for each of them copies one reference.
final class ConversationEvent: Sendable {
    let head: [UInt8]
    let conversation: EncodedConversation
    let tail: [UInt8]
    private let encoded = Mutex<[UInt8]?>(nil)

    init(head: [UInt8], conversation: EncodedConversation, tail: [UInt8]) {
        self.head = head
        self.conversation = conversation
        self.tail = tail
    }

    /// `{"jsonrpc":"2.0","method":"event","params":{"type":TYPE,"conversation":`, for `head`.
    static func head(type: String) -> [UInt8] {
        var quoted = JSONWriter(capacity: type.utf8.count + 8)
        quoted.string(type)
        return Array(#"{"jsonrpc":"2.0","method":"event","params":{"type":"#.utf8) + quoted.bytes
            + Array(#","conversation":"#.utf8)
    }

    /// The `}}` that closes an event without a message.
    static let plainTail: [UInt8] = Array("}}".utf8)

    /// The push's line, without its newline.
    var bytes: [UInt8] {
        encoded.withLock { encoded in
            if let bytes = encoded { return bytes }
            let conversation = conversation.bytes
            var bytes: [UInt8] = []
            bytes.reserveCapacity(head.count + conversation.count + tail.count)
            bytes += head
            bytes += conversation
            bytes += tail
            encoded = bytes
            return bytes
        }
    }
}
