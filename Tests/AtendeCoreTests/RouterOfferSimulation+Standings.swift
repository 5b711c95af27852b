// RouterOfferSimulationTests, the pass-over rule in the explanations: every offer is explained right after it is
// made, and its candidates stand "passed over" exactly when the chat passes them over (its `passedOver` as the
// offer carries it) and nothing else bars them; an attendant the chat passes over is never shown as having lost a
// tie. Checked for every offer of the random run.

@testable import AtendeCore

extension RouterOfferSimulationTests.Run {
    func checkStandings(_ effects: [RouterEffect], _ name: String) throws {
        var offered: Conversation?
        for effect in effects {
            switch effect {
            case .offered(let chat):
                offered = chat
            case .explained(let explanation):
                defer { offered = nil }
                guard let chat = offered, chat.id == explanation.conversationId else { continue }
                for candidate in explanation.candidates.dropFirst() {
                    let passed = chat.passedOver.contains(candidate.attendantId)
                    switch candidate.standing {
                    case .passedOver where !passed:
                        throw fail("\(name): explanation of \(chat.id) shows \(candidate.attendantId) passed over; "
                                   + "the chat passes over \(chat.passedOver)")
                    case .lostTheTie where passed:
                        throw fail("\(name): explanation of \(chat.id) shows \(candidate.attendantId), whom the "
                                   + "chat passes over, as having lost the tie")
                    case .passedOver:
                        counts["explained passed over", default: 0] += 1
                    default:
                        break
                    }
                }
            default:
                continue
            }
        }
    }
}
