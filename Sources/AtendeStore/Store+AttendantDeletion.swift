// Store, deleting an attendant (`attendant.delete`): its row, departments and photo go, and so does the route that
// sent its returning contacts back to it; its id is kept as retired so no new attendant ever gets it (closed chats
// keep the id of who served them).

import AtendeCore

extension Store {
    /// Deletes the attendant; false when there was none with that id.
    @discardableResult
    public func deleteAttendant(_ id: AttendantID) throws(StoreError) -> Bool {
        try write { () throws(StoreError) -> Bool in
            guard try attendant(id) != nil else { return false }
            try database.run("INSERT OR IGNORE INTO retired_attendant_ids(id) VALUES (?)", [.int(id)])
            try database.run("DELETE FROM contact_routes WHERE attendant_id = ?", [.int(id)])
            try database.run("DELETE FROM attendants WHERE id = ?", [.int(id)])
            return true
        }
    }
}
