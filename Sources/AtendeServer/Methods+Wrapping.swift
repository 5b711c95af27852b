// `conversation.wrapping` (an atende addition): the calling attendant's closed chats whose wrap-up still holds a
// slot, each with its `wrapUpUntil`. `queue.list` shows open chats only, so without this a desk reloaded during a
// wrap-up would lose the bar with the time left and the button that ends it, while the slot stayed held.

import AtendeCore
import AtendeProtocol

extension RequestContext {
    func conversationWrapping(_ params: Params) throws -> Outcome {
        try params.rejectUnknown([])
        guard let me = connection.attendant else { throw RPCError.unauthenticated() }
        return .result(Wire.list("conversations", router.wrappingConversations(of: me), Wire.conversation))
    }
}
