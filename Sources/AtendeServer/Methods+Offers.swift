// Methods of offers and wrap-up: `conversation.accept`, `conversation.decline`, `conversation.finishWrapUp`, and
// the reading of the departments' routing settings and the account's offer settings, each bad value refused
// with -32602 naming its field before anything is written.

import AtendeCore
import AtendeProtocol
import AtendeStore

extension RequestContext {
    /// The department members that set how its chats are offered, timed and wrapped up.
    static let routingSettingKeys = ["offerTimeout", "replyTimeout", "wrapUp"]

    /// Reads `offerTimeout`, `replyTimeout` (each null or in range) and `wrapUp` when present.
    func readRoutingSettings(_ params: Params, into department: inout Department) throws {
        if params.value("offerTimeout") != nil {
            department.offerTimeout = try params.optionalInt("offerTimeout", range: Department.offerTimeoutRange)
        }
        if params.value("replyTimeout") != nil {
            department.replyTimeout = try params.optionalInt("replyTimeout", range: Department.replyTimeoutRange)
        }
        if let wrapUp = try params.optionalInt("wrapUp", range: Department.wrapUpRange) { department.wrapUp = wrapUp }
    }

    /// Reads `requeueOnOffline` and `maxMissedOffers` when present.
    func readOfferSettings(_ params: Params, into settings: inout AccountSettings) throws {
        if let text = try params.optionalString("requeueOnOffline", maxLength: 32) {
            guard let value = RequeueOnOffline(rawValue: text) else {
                throw RPCError.invalidParams(field: "requeueOnOffline", reason: "must be none, unanswered or all")
            }
            settings.requeueOnOffline = value
        }
        if let count = try params.optionalInt("maxMissedOffers", range: AccountSettings.maxMissedOffersRange) {
            settings.maxMissedOffers = Int(count)
        }
    }

    func conversationAccept(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["id"])
        guard let attendant = connection.attendant else { throw RPCError.unauthenticated() }
        let id = try params.int("id")
        try refusingEndedOffers(id, of: attendant) {
            try ensureOpen(id, visibleTo: connection)
            apply(try router.accept(id, by: attendant, now: now), now: now)
        }
        return .result(conversationJSON(try anyConversation(id)))
    }

    func conversationDecline(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["id"])
        guard let attendant = connection.attendant else { throw RPCError.unauthenticated() }
        let id = try params.int("id")
        try refusingEndedOffers(id, of: attendant) {
            try ensureOpen(id, visibleTo: connection)
            apply(try router.decline(id, by: attendant, now: now), now: now)
        }
        if let chat = router.conversation(id) { pushUpdatedToOtherConnections(chat, of: attendant) }
        return .result(Wire.ok)
    }

    /// `conversation.updated` (an extension) to the attendant's other connections (another tab, the phone): the
    /// chat as it now is, after this connection declined its offer or finished its wrap-up, so they stop showing
    /// them. After a decline the chat may already be offered to the attendant again (nobody else could take it).
    private func pushUpdatedToOtherConnections(_ conversation: Conversation, of attendant: AttendantID) {
        fanOut.push({ event("conversation.updated", conversation) }, toAttendant: attendant, except: connection.id)
    }

    /// Runs an accept or decline. Of the refusals that say the chat is not the caller's (1003), the contract makes
    /// one 1010: to an attendant whose offer of it ended unaccepted (declined, run out or withdrawn), the chat is no
    /// longer offered, whoever has it now or however it closed. One that accepted it and lost the assignment later
    /// is treated as one that was assigned it directly. The offer's end is in the chat's notes, read from the
    /// store on this refusal only.
    private func refusingEndedOffers(_ id: ConversationID, of attendant: AttendantID,
                                     _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error where Self.saysNotYours(error) {
            let offerEnded = try store.explanations(conversation: id).contains { text in
                OfferNote(compact: text, conversationId: id).map {
                    $0.wasOffer && $0.kind != .accepted && $0.attendantId == attendant
                } ?? false
            }
            guard offerEnded else { throw error }
            throw RoutingError(.invalidState, "conversation is no longer offered to you", field: "id")
        }
    }

    private static func saysNotYours(_ error: any Error) -> Bool {
        (error as? RoutingError)?.kind == .forbidden || (error as? RPCError)?.code == RPCErrorCode.forbidden
    }

    func conversationFinishWrapUp(_ params: Params) throws -> Outcome {
        try params.rejectUnknown(["id"])
        guard let attendant = connection.attendant else { throw RPCError.unauthenticated() }
        let id = try params.int("id")
        if router.wrappingChat(id) == nil {
            let conversation = try anyConversation(id)
            guard conversation.attendantId == attendant else { throw RPCError.forbidden("not your conversation") }
        }
        let effects = try router.finishWrapUp(id, by: attendant, now: now)
        apply(effects, now: now)
        for case .wrapUpEnded(let ended) in effects { pushUpdatedToOtherConnections(ended, of: attendant) }
        return .result(Wire.ok)
    }
}

extension RequestContext {
    /// How each attendant's offers since `since` ended (`stats.get`'s `attendants.*.offers`).
    func offerOutcomes(since: Instant) throws -> [AttendantID: OfferOutcomes] {
        try store.offerOutcomes(since: since)
    }
}
