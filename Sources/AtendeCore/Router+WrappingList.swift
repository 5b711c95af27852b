// Router, the closed chats an attendant is still wrapping up, as values: the desk shows them after a page reload
// (with the time left and the button that ends the wrap-up), so it needs the chats and not only their count.

extension Router {
    /// The attendant's closed chats whose wrap-up runs, the one ending first first (then by id).
    public func wrappingConversations(of attendant: AttendantID) -> [Conversation] {
        guard let ids = attendants[attendant]?.wrapping else { return [] }
        var chats: [Conversation] = []
        for id in ids { if let chat = wrappingChats[id] { chats.append(chat) } }
        return chats.sorted { ($0.wrapUpUntil ?? $0.closedAt ?? Instant(millis: 0), $0.id)
            < ($1.wrapUpUntil ?? $1.closedAt ?? Instant(millis: 0), $1.id) }
    }
}
