// StoredKeys: which external ids and phones the store may hold rows for, so that `conversation.open` of a new
// chat from a new contact (no conversation under its external id, no last attendant for its phone) skips the
// store's two lookups. Read from the store once at start; then every external id is noted as its conversation is
// opened and every phone as its route is written, before the write. See KnownKeys for the answers it gives.

import AtendeCore
import AtendeStore

/// The loop's record of the keys the store may hold.
final class StoredKeys {
    private var externalIDs: KnownKeys
    private var phones: KnownKeys

    /// Reads every key of `store`. `expected`: about how many conversations it holds (its largest id), to size
    /// the sets so that they rarely grow.
    init(store: any DurableStore, expected: Int) throws(StoreError) {
        var externalIDs = KnownKeys(expected: expected * 2 + 65_536)
        var phones = KnownKeys(expected: expected + 65_536)
        try store.readKnownKeys(externalId: { externalIDs.insert(bytes: $0) }, phone: { phones.insert(bytes: $0) })
        self.externalIDs = externalIDs
        self.phones = phones
    }

    /// False when the store certainly holds neither a conversation under `externalId` nor a last attendant for
    /// `phone`: `store.lookUpForOpen` would find nothing.
    func mayHave(externalId: String, phone: String) -> Bool {
        externalIDs.mightContain(externalId) || phones.mightContain(phone)
    }

    /// A conversation is being opened under `externalId`.
    func noteConversation(externalId: String) { externalIDs.insert(externalId) }

    /// A last attendant is being written for `phone`.
    func notePhone(_ phone: String) { phones.insert(phone) }
}
