// CrashLedger: what the crash-loop test knows the daemon promised. Every change a worker asks for is noted as an
// attempt before it is sent; a response (or a push, which is also released only after the commit) turns it into
// an acknowledged fact; an error response withdraws it. After a SIGKILL and a restart, every fact must be there,
// and anything beyond the facts must be explained by an attempt that never got its answer (fully there or fully
// absent). Shared by many worker threads, so the state sits behind one mutex.

import AtendeProtocol
import Foundation
import Synchronization

/// How far along its life a conversation is; changes in the crash workload only move forward.
func stateRank(_ state: String?) -> Int {
    switch state {
    case "potential": return 0
    case "queued": return 1
    case "assigned": return 2
    case "closed", "removed": return 3
    default: return -1
    }
}

/// What the test knows about one conversation.
struct ChatFacts: Sendable {
    /// The conversation id.
    var id: Int64
    /// The bot's external id.
    var externalId: String
    /// Which bot worker opened it (-1 before the open's answer was filed).
    var owner: Int
    /// The latest acknowledged snapshot (the one of highest state rank).
    var snapshot: JSON
    /// Changes sent without an answer yet, counted (`queued:<dept>`, `assigned:<attendant>`, `closed`,
    /// `removed`, `rated:<score>`).
    var attempts: [String: Int] = [:]
    /// Acknowledged messages by their text (texts are unique by construction).
    var messages: [String: JSON] = [:]
    /// Message texts sent without an answer.
    var attemptedTexts: Set<String> = []
}

/// An open sent without an answer.
struct OpenAttempt: Sendable {
    var externalId: String
    var owner: Int
    var phone: String
    var text: String?
}

/// The shared record of promises.
final class CrashLedger: Sendable {
    struct State: Sendable {
        var chats: [Int64: ChatFacts] = [:]
        var byExternalId: [String: Int64] = [:]
        var openAttempts: [String: OpenAttempt] = [:]
        var settings: JSONObject = [:]
        var settingsAttempt: JSONObject?
        var departments: Set<String> = []
        var attemptedDepartments: Set<String> = []
        var attendants: [String: Int64] = [:]
        var attemptedAttendants: Set<String> = []
        /// Failures noticed by workers (an answer that contradicts the contract).
        var problems: [String] = []
    }

    let state = Mutex(State())

    /// Runs `body` with the state locked.
    func with<T>(_ body: (inout State) -> T) -> T { state.withLock { body(&$0) } }

    // MARK: - Conversations

    /// Notes an open about to be sent.
    func attemptOpen(_ attempt: OpenAttempt) { with { $0.openAttempts[attempt.externalId] = attempt } }

    /// Files the answer to an open: the conversation exists, with its first message when `text` was given.
    func acknowledgeOpen(_ conversation: JSON, owner: Int, text: String?) {
        with { state in
            let externalId = conversation["externalId"]?.stringValue ?? ""
            state.openAttempts[externalId] = nil
            let id = conversation.id
            if let known = state.byExternalId[externalId], known != id {
                state.problems.append("open of \(externalId) answered id \(id), earlier \(known)")
            }
            if let other = state.chats[id], other.externalId != externalId, other.owner >= 0 {
                state.problems.append("id \(id) given to \(externalId) and \(other.externalId)")
            }
            state.byExternalId[externalId] = id
            var facts = state.chats[id]
                ?? ChatFacts(id: id, externalId: externalId, owner: owner, snapshot: conversation)
            facts.owner = owner
            facts.externalId = externalId
            if stateRank(conversation["state"]?.stringValue) > stateRank(facts.snapshot["state"]?.stringValue) {
                facts.snapshot = conversation
            }
            if let text { facts.messages[text] = ["text": .string(text), "from": "contact"] }
            state.chats[id] = facts
        }
    }

    /// Makes sure `conversation` has an entry: a worker may act on a chat (seen in a read or a push) before the
    /// bot that opened it has filed the answer to its open.
    private static func ensure(_ state: inout State, _ conversation: JSON) {
        let id = conversation.id
        guard id > 0, state.chats[id] == nil else { return }
        let externalId = conversation["externalId"]?.stringValue ?? ""
        state.chats[id] = ChatFacts(id: id, externalId: externalId, owner: -1, snapshot: conversation)
    }

    /// Notes a change about to be sent for `conversation` (as last seen).
    func attempt(_ conversation: JSON, _ change: String) {
        with { state in
            Self.ensure(&state, conversation)
            state.chats[conversation.id]?.attempts[change, default: 0] += 1
        }
    }

    /// The change got an answer (success or refusal): it is no longer pending.
    func settle(_ id: Int64, _ change: String) {
        with { state in
            guard let count = state.chats[id]?.attempts[change] else { return }
            state.chats[id]?.attempts[change] = count > 1 ? count - 1 : nil
        }
    }

    /// Files an acknowledged snapshot of a conversation (from a response or a push).
    func acknowledge(_ conversation: JSON) {
        let id = conversation.id
        guard id > 0 else { return }
        with { state in
            guard var facts = state.chats[id] else {
                Self.ensure(&state, conversation)
                return
            }
            let rank = stateRank(conversation["state"]?.stringValue)
            let known = stateRank(facts.snapshot["state"]?.stringValue)
            if rank > known || (rank == known && facts.snapshot["rating"] == nil && conversation["rating"] != nil) {
                facts.snapshot = conversation
            }
            state.chats[id] = facts
        }
    }

    /// Notes a message about to be sent to `conversation`.
    func attemptMessage(_ conversation: JSON, _ text: String) {
        with { state in
            Self.ensure(&state, conversation)
            _ = state.chats[conversation.id]?.attemptedTexts.insert(text)
        }
    }

    /// Files an acknowledged message of `conversation`.
    func acknowledgeMessage(_ conversation: JSON, _ message: JSON) {
        guard let text = message["text"]?.stringValue else { return }
        with { state in
            Self.ensure(&state, conversation)
            state.chats[conversation.id]?.messages[text] = message
        }
    }

    /// The conversations a bot opened, as last acknowledged.
    func chats(owner: Int) -> [JSON] {
        with { state in state.chats.values.filter { $0.owner == owner }.map(\.snapshot) }
    }

    // MARK: - Admin facts

    /// Notes a settings change about to be sent.
    func attemptSettings(_ change: JSONObject) {
        with { state in
            var next = state.settings
            for (key, value) in change { next[key] = value }
            state.settingsAttempt = next
        }
    }

    /// Files the settings a response confirmed.
    func acknowledgeSettings(_ settings: JSON) {
        with { state in
            state.settings = settings.objectValue ?? [:]
            state.settingsAttempt = nil
        }
    }

    /// Notes that a problem was seen by a worker.
    func problem(_ text: String) { with { $0.problems.append(text) } }
}
