// Methods for the people who run atende: Prometheus metrics over the socket, and routing explanations.

import AtendeCore
import AtendeProtocol
import AtendeStore

extension Daemon {
    func metricsGet(_ connection: Connection, _ params: Params, _ now: Instant) throws -> Outcome {
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
    func monitorSubscribe(_ connection: Connection, _ params: Params, _ now: Instant) throws -> Outcome {
        try params.rejectUnknown([])
        monitors.insert(connection.id)
        return .result(Wire.ok)
    }

    /// `conversation.explain {id}` → `{conversationId, explanations: [...]}`, each with attendant names added.
    func conversationExplain(_ connection: Connection, _ params: Params, _ now: Instant) throws -> Outcome {
        try params.rejectUnknown(["id"])
        let conversation = try anyConversation(try params.int("id"))
        let names = Dictionary(try store.attendants().map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        var w = JSONWriter(capacity: 1024)
        w.beginObject()
        w.field("conversationId", conversation.id)
        w.key("explanations")
        w.beginArray()
        for text in try store.explanations(conversation: conversation.id) {
            guard var object = (try? JSONParser.parse(text))?.objectValue else { continue }
            if let chosen = object["chosen"]?.intValue, let name = names[chosen] { object["chosenName"] = .string(name) }
            if let candidates = object["candidates"]?.arrayValue {
                object["candidates"] = .array(candidates.map { candidate in
                    guard var fields = candidate.objectValue, let id = fields["attendantId"]?.intValue,
                          let name = names[id] else { return candidate }
                    fields["name"] = .string(name)
                    return .object(fields)
                })
            }
            w.value(.object(object))
        }
        w.endArray()
        w.endObject()
        return .result(w.bytes)
    }
}
