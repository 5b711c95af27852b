// RouterSimulation, overflow (contract v2): departments overflow into others (a ring d0 ↔ d1 and a chain
// d2 → d3 → d1 into it), and an admin event changes a department's rule, sometimes together with its priority
// step, sometimes to d4, which comes and goes. The model arms each waiting chat's overflow deadline from when it
// joined the queue it waits in. The judge accepts a move only when that deadline is due, the rule names the
// department the chat went to, and the chat had moved fewer than 3 times; the moved chat must keep its queuedAt
// and priority. After every event: no waiting chat is past its deadline (due deadlines are applied by the turn),
// the router's move counts are the model's and never above 3, and (checkInvariants) no chat is lost and every
// queue, the targets' included, is in the contract's order.

import AtendeCore

extension RouterSimulation {
    /// The rules the departments start with: d0 ↔ d1 is a ring, d2 → d3 → d1 a chain into it.
    static let initialOverflows: [Overflow?] = [
        Overflow(after: 120, department: "d1"), Overflow(after: 300, department: "d0"),
        Overflow(after: 60, department: "d3"), Overflow(after: 600, department: "d1"),
    ]

    /// The waits a changed rule picks from (seconds).
    static let overflowWaits: [Int64] = [10, 60, 120, 300, 900]

    /// An admin changes a department's overflow rule (sometimes its priority step in the same update).
    func changeOverflow() throws {
        guard let name = rng.pick(Self.departmentNames.filter({ model.queues[$0] != nil })) else { return }
        var rule: Overflow?
        if !rng.chance(30) {
            let targets = Self.departmentNames.filter { $0 != name && model.queues[$0] != nil }
            if let target = rng.pick(targets) {
                rule = Overflow(after: Self.overflowWaits[rng.below(Self.overflowWaits.count)], department: target)
            }
        }
        note("department \(name) overflow \(rule.map { "to \($0.department) after \($0.after)" } ?? "none")")
        let reordered = rng.chance(30) ? changeStep(of: name) : []
        if model.queues[name]!.overflow != rule {
            // A new rule sets the deadlines of the chats waiting there again, from when each joined the queue.
            model.queues[name]!.overflow = rule
            for id in model.queues[name]!.waiting {
                model.chats[id]!.overflowDue = model.overflowDue(model.chats[id]!)
            }
        }
        count("overflow rule")
        let strategy = model.queues[name]!.strategy
        try absorb(router.upsertDepartment(department(name, strategy), now: now), Prediction(reordered: reordered),
                   "overflow rule")
    }

    /// Judges a saved chat that the router moved to another queue by itself, and brings the model along; false
    /// when the saved chat is no overflow (the model already holds it where it is).
    func absorbOverflow(_ conversation: Conversation, _ name: String) throws -> Bool {
        let id = conversation.id
        guard var chat = model.chats[id], chat.state == .queued, conversation.state == .queued,
              let from = chat.department, let target = conversation.department, target != from else { return false }
        guard let due = chat.overflowDue, due <= now.millis else {
            throw fail("\(name): chat \(id) overflowed from \(from) to \(target) with no deadline due (armed for "
                       + "\(chat.overflowDue.map { Instant(millis: $0).iso8601 } ?? "nothing"))")
        }
        guard let rule = model.queues[from]?.overflow, rule.department == target, model.queues[target] != nil else {
            throw fail("\(name): chat \(id) overflowed from \(from) to \(target), the rule says "
                       + "\(model.queues[from]?.overflow?.department ?? "nowhere")")
        }
        guard chat.overflowMoves < Router.maxOverflowMoves, conversation.overflowMoves == chat.overflowMoves + 1 else {
            throw fail("\(name): chat \(id) overflowed with \(conversation.overflowMoves) moves, "
                       + "after \(chat.overflowMoves) (at most \(Router.maxOverflowMoves))")
        }
        guard conversation.queuedAt?.millis == chat.queuedAt, conversation.priority == chat.priority,
              conversation.overflowedFrom == from, conversation.queueJoinedAt == now else {
            throw fail("\(name): chat \(id) overflowed as \(conversation); it must keep queuedAt "
                       + "\(Instant(millis: chat.queuedAt).iso8601) and priority \(chat.priority)")
        }
        model.queues[from]!.waiting.removeAll { $0 == id }
        chat.department = target
        chat.overflowMoves += 1
        chat.overflowedFrom = from
        chat.queueJoinedAt = now.millis
        chat.overflowDue = model.overflowDue(chat)
        model.chats[id] = chat
        model.queues[target]!.waiting.append(id)
        model.reorder(target)
        count("overflow")
        if chat.overflowMoves == Router.maxOverflowMoves, model.queues[target]!.overflow != nil {
            count("overflow stopped")
        }
        return true
    }

    /// After every event: the move counts agree, none is above the limit, and no waiting chat is past its
    /// overflow deadline unless the department it would go to is gone (the router then spends the deadline and
    /// the chat stays until that department comes back, as the model now does).
    func checkOverflow() throws {
        for id in model.openIds {
            guard var chat = model.chats[id], let held = router.conversation(id) else { continue }
            guard held.overflowMoves == chat.overflowMoves, held.overflowedFrom == chat.overflowedFrom,
                  held.overflowMoves <= Router.maxOverflowMoves else {
                throw fail("chat \(id) moved \(held.overflowMoves) times (from \(held.overflowedFrom ?? "-")), "
                           + "the model \(chat.overflowMoves) (from \(chat.overflowedFrom ?? "-"))")
            }
            guard chat.state == .queued, let due = chat.overflowDue, due <= now.millis,
                  let from = chat.department else { continue }
            if let target = model.queues[from]?.overflow?.department, model.queues[target] != nil {
                throw fail("chat \(id) still waits in \(from), due to overflow to \(target) at "
                           + "\(Instant(millis: due).iso8601)")
            }
            chat.overflowDue = nil
            model.chats[id] = chat
            count("overflow to a missing department")
        }
    }
}

extension ShadowModel {
    /// A department came (back): chats of departments that overflow into it are armed again, a deadline spent
    /// while it was missing included.
    mutating func rearmOverflows(into target: String) {
        for (name, queue) in queues where queue.overflow?.department == target {
            for id in queues[name]!.waiting { chats[id]!.overflowDue = overflowDue(chats[id]!) }
        }
    }

    /// When a waiting chat must overflow: `after` seconds from when it joined its queue, while it has moved
    /// fewer than 3 times and its department has a rule; nil otherwise.
    func overflowDue(_ chat: Chat) -> Int64? {
        guard chat.state == .queued, let department = chat.department, let rule = queues[department]?.overflow,
              chat.overflowMoves < Router.maxOverflowMoves else { return nil }
        return chat.queueJoinedAt + rule.after * 1000
    }
}
