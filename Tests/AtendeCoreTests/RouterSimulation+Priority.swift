// RouterSimulation, priorities (contract v2): departments with different priority steps (0 makes a queue plain
// FIFO), chats opened with random priorities, and `setPriority` on random chats. The model keeps each queue sorted
// by `queuedAt - priority x step`, then `queuedAt`, then id, so every queue comparison and every "head of the
// queue" check of the judge holds the router to that order.

import AtendeCore

extension RouterSimulation {
    /// Priority steps the departments start with (and that a strategy change may pick).
    static let initialSteps: [Int64] = [600, 60, 0, 1800]

    /// The department as the router gets it, with the model's priority step.
    func department(_ name: String, _ strategy: Strategy) -> Department {
        var department = Department(id: name, name: name, strategy: strategy)
        department.priorityStep = Int(model.queues[name]?.step ?? 600)
        department.overflow = model.queues[name]?.overflow
        return department
    }

    func setPriority() throws {
        let id = rng.chance(85) ? waitingChat() : anyChat()
        let priority = rng.below(10)
        note("priority \(id) \(priority)")
        var refusal: RoutingError.Kind?
        var changed: Set<ConversationID> = []
        var reordered: Set<String> = []
        if let chat = model.chats[id] {
            if chat.state == .assigned {
                refusal = .invalidState
            } else if chat.priority != priority {
                changed = [id]
                if chat.state == .queued, let department = chat.department {
                    var trial = model
                    trial.chats[id]!.priority = priority
                    trial.reorder(department)
                    if trial.queues[department]!.waiting != model.queues[department]!.waiting {
                        reordered = [department]
                    }
                }
            }
        } else {
            refusal = .notFound
        }
        let prediction = Prediction(changed: changed, reordered: reordered)
        try attempt("setPriority", refusal, prediction) { () throws(RoutingError) in
            try router.setPriority(id, to: priority, now: now)
        } model: {
            model.chats[id]!.priority = priority
            if let department = model.chats[id]!.department, model.chats[id]!.state == .queued {
                model.reorder(department)
            }
        }
    }
}
