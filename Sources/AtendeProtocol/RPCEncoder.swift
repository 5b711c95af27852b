// RPCEncoder: writes JSON-RPC 2.0 responses, notifications and requests as single lines of bytes.
// Results and push parameters arrive already encoded (handlers write them with JSONWriter), so a response is
// one small envelope around bytes that are copied, never re-parsed. No trailing newline is added: the
// connection appends it, which lets a batch response join its parts first.

/// Encodes JSON-RPC 2.0 messages.
public enum RPCEncoder {
    /// `{"jsonrpc":"2.0","id":<id>,"result":<result>}`; `result` is pre-encoded JSON.
    public static func response(id: JSON, result: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(result.count + 48)
        appendResponse(id: id, result: result, to: &out)
        return out
    }

    /// Appends `{"jsonrpc":"2.0","id":<id>,"result":<result>}` to `out` in place (no envelope array of its own).
    public static func appendResponse(id: JSON, result: [UInt8], to out: inout [UInt8]) {
        out.append(contentsOf: #"{"jsonrpc":"2.0","id":"#.utf8)
        var writer = JSONWriter(capacity: 0)
        swap(&writer.bytes, &out)  // the id written straight into `out`
        writer.value(id)
        swap(&writer.bytes, &out)
        out.append(contentsOf: #","result":"#.utf8)
        out.append(contentsOf: result)
        out.append(UInt8(ascii: "}"))
    }

    /// `{"jsonrpc":"2.0","id":<id>,"error":{"code":..,"message":..,"data":..}}`; `data` is left out when nil.
    public static func response(id: JSON, error: RPCError) -> [UInt8] {
        var writer = JSONWriter(capacity: 128)
        writer.beginObject()
        writer.field("jsonrpc", "2.0")
        writer.field("id", id)
        writer.key("error")
        writer.beginObject()
        writer.field("code", error.code)
        writer.field("message", error.message)
        if let data = error.data { writer.field("data", data) }
        writer.endObject()
        writer.endObject()
        return writer.bytes
    }

    /// The error response for a failure; a missing id is written as null.
    public static func response(to failure: RPCFailure) -> [UInt8] {
        response(id: failure.id ?? .null, error: failure.error)
    }

    /// `{"jsonrpc":"2.0","method":<method>,"params":<params>}`; `params` is pre-encoded JSON.
    public static func notification(method: String, params: [UInt8]) -> [UInt8] {
        notification(method: method, capacity: params.count + 48) { $0.raw(params) }
    }

    /// The same, with `writeParams` writing the params value straight into the notification (one buffer).
    public static func notification(method: String, capacity: Int,
                                    writeParams: (inout JSONWriter) -> Void) -> [UInt8] {
        var writer = JSONWriter(capacity: capacity)
        writer.beginObject()
        writer.field("jsonrpc", "2.0")
        writer.field("method", method)
        writer.key("params")
        writeParams(&writer)
        writer.endObject()
        return writer.bytes
    }

    /// A request for clients; without an id it is a notification, without params the member is left out.
    public static func request(id: JSON?, method: String, params: JSON?) -> [UInt8] {
        var writer = JSONWriter(capacity: 128)
        writer.beginObject()
        writer.field("jsonrpc", "2.0")
        if let id { writer.field("id", id) }
        writer.field("method", method)
        if let params { writer.field("params", params) }
        writer.endObject()
        return writer.bytes
    }

    /// A batch response: the encoded responses joined into one JSON array.
    public static func batch(_ responses: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(responses.reduce(2) { $0 + $1.count + 1 })
        bytes.append(UInt8(ascii: "["))
        for (index, response) in responses.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: response)
        }
        bytes.append(UInt8(ascii: "]"))
        return bytes
    }
}
