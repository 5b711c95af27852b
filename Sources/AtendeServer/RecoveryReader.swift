// RecoveryReader: recovery's two halves side by side. A thread of its own steps the store's open conversations
// (SQLite decoding each row) and hands them over in batches, while the caller puts each batch into the new router
// (hashing ids and external ids, joining queues). Each half is about half of a restart at a million waiting
// chats, so on two cores the restart takes about as long as the slower half. The store is only touched by the
// reading thread until it has finished; a bounded number of batches in flight keeps the memory in between small.

import AtendeCore
import AtendeStore
import CLinux
import Foundation

/// Reads the open conversations on a thread of its own and hands them to the caller's thread in batches.
final class RecoveryReader: @unchecked Sendable {
    /// Conversations per batch handed over.
    static let batchSize = 4096
    /// Batches read and not yet taken before the reading thread waits.
    static let batchesInFlight = 8

    private let condition = NSCondition()
    private var ready: [[Conversation]] = []
    private var counted: Int?
    private var finished = false
    private var failure: StoreError?
    private let store: any DurableStore

    private init(store: any DurableStore) { self.store = store }

    /// Reads `store`'s open conversations (`DurableStore.readOpenConversations`) on another thread: `count` gets
    /// how many come, then `each` gets every one of them in queue order, both on the calling thread. Returns when
    /// the reading thread is done with the store; throws the store's error after handing over what was read.
    static func read(_ store: any DurableStore, count: (Int) -> Void,
                     each: (consuming Conversation) -> Void) throws(StoreError) {
        let reader = RecoveryReader(store: store)
        let thread = Thread {
            atende_name_thread("atende.recovery")  // as `top -H` shows it
            reader.produce()
        }
        thread.start()
        var countGiven = false
        while let batch = reader.take() {
            if !countGiven, let counted = reader.takeCount() {
                count(counted)
                countGiven = true
            }
            for conversation in batch { each(conversation) }
        }
        if !countGiven, let counted = reader.takeCount() { count(counted) }
        if let failure = reader.failure { throw failure }
    }

    /// The reading thread: the store's rows in batches, then the end (or the error).
    private func produce() {
        var batch: [Conversation] = []
        batch.reserveCapacity(Self.batchSize)
        do {
            try store.readOpenConversations(count: { count in
                condition.lock()
                counted = count
                condition.unlock()
            }, each: { conversation in
                batch.append(conversation)
                if batch.count == Self.batchSize {
                    put(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            })
        } catch {
            condition.lock()
            failure = error
            condition.unlock()
        }
        if !batch.isEmpty { put(batch) }
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    private func put(_ batch: [Conversation]) {
        condition.lock()
        while ready.count >= Self.batchesInFlight { condition.wait() }
        ready.append(batch)
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, waiting for it; nil when the reading thread has finished and everything was taken.
    private func take() -> [Conversation]? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !finished { condition.wait() }
        guard !ready.isEmpty else { return nil }
        let batch = ready.removeFirst()
        condition.broadcast()
        return batch
    }

    private func takeCount() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        return counted
    }
}
