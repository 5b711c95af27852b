// Methods for the people who run atende: Prometheus metrics over the socket, and routing explanations.

import AtendeCore
import AtendeProtocol
import AtendeStore

extension RequestContext {
    func metricsGet(_ params: Params) throws -> Outcome {
        try params.rejectUnknown([])
        var w = JSONWriter(capacity: 4096)
        w.beginObject()
        w.field("contentType", "text/plain; version=0.0.4")
        w.field("text", renderMetrics(now: now))
        w.endObject()
        return .result(w.bytes)
    }

    /// `monitor.subscribe`: this admin connection receives `queue.changed` for every department and
    /// `attendant.changed` whenever an attendant's presence or open chats change (for dashboards like atendectl top).
    func monitorSubscribe(_ params: Params) throws -> Outcome {
        try params.rejectUnknown([])
        fanOut.monitors.insert(connection.id)
        return .result(Wire.ok)
    }

    /// `conversation.explain {id}` → `{conversationId, explanations: [...], events?: [...]}`, each with attendant
    /// names added; `events` lists what became of its offers and assignments (accepted, declined, expired, ...).
    func conversationExplain(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["id"])
        let conversation = try anyConversation(try params.int("id"))
        let names = Dictionary(try store.attendants().map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        var w = JSONWriter(capacity: 1024)
        w.beginObject()
        w.field("conversationId", conversation.id)
        w.key("explanations")
        w.beginArray()
        var notes: [OfferNote] = []
        for text in try store.explanations(conversation: conversation.id) {
            guard let explanation = AssignmentExplanation(compact: text, conversationId: conversation.id) else {
                if let note = OfferNote(compact: text, conversationId: conversation.id) { notes.append(note) }
                continue
            }
            Wire.explanation(explanation, names: names, into: &w)
        }
        w.endArray()
        // Only chats that met an offer or a revocation have notes: the others' answer stays as it was.
        if !notes.isEmpty { Wire.offerNotes(notes, names: names, into: &w) }
        w.endObject()
        return .result(w.bytes)
    }
}
