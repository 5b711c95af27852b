// WebSocketHandshake: what is wrong with a client's opening handshake (RFC 6455 section 4.2.1), as the status to
// answer and a reason that names the field, so whoever wrote the client can fix it from the response body alone.
// A field that decides the handshake or the Origin check may come once: with two Origin headers a check that read
// the first would let in a request whose second names another site, and proxies disagree on which one counts.

extension HTTPRequest {
    /// The fields of an upgrade that must not be repeated, lower case, with the spelling the errors use.
    static let singleUpgradeFields = [("origin", "Origin"), ("sec-websocket-key", "Sec-WebSocket-Key"),
                                      ("sec-websocket-version", "Sec-WebSocket-Version"), ("upgrade", "Upgrade")]

    /// The `Sec-WebSocket-Key` of a WebSocket opening handshake atended accepts; otherwise throws why the request
    /// is not one: 400, or 426 for a version other than 13 (the answer then carries `Sec-WebSocket-Version: 13`).
    /// The method and the Origin are the caller's to check.
    public func checkedWebSocketKey() throws(HTTPParseError) -> String {
        for (name, spelling) in Self.singleUpgradeFields where values(name).count > 1 {
            throw HTTPParseError(status: 400, reason: "\(spelling) header sent more than once")
        }
        guard tokens("upgrade").contains("websocket") else {
            throw HTTPParseError(status: 400, reason: "/rpc speaks WebSocket only (Upgrade: websocket missing)")
        }
        guard tokens("connection").contains("upgrade") else {
            throw HTTPParseError(status: 400, reason: "Connection: Upgrade missing")
        }
        guard minorVersion == 1 else {
            throw HTTPParseError(status: 400, reason: "a WebSocket upgrade needs HTTP/1.1, not HTTP/1.0")
        }
        guard let key = webSocketKey, WebSocketFrame.isValidKey(key) else {
            throw HTTPParseError(status: 400, reason: "Sec-WebSocket-Key missing or not 16 bytes in base64")
        }
        guard let version = webSocketVersion else {
            throw HTTPParseError(status: 426, reason: "Sec-WebSocket-Version missing; this server speaks 13")
        }
        guard version == "13" else {
            throw HTTPParseError(status: 426, reason: "Sec-WebSocket-Version \(version) is not supported; only 13")
        }
        return key
    }
}
