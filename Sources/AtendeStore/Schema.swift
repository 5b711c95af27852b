// Schema: the migrations, numbered by PRAGMA user_version. A migration runs once, inside a transaction; the
// version moves only when the whole step committed. Add a step at the end, never edit one that shipped.
// Hot-path note: SQLite builds an ephemeral table for an `IN (...)` of more than two values in a CHECK or a partial
// index's WHERE, on every write of the row; the conversation table's CHECK uses ORs and its partial index a
// two-value NOT IN for that reason.

enum Schema {
    static let migrations: [String] = [
        """
        CREATE TABLE departments(
            id TEXT PRIMARY KEY, name TEXT NOT NULL, strategy TEXT NOT NULL, created_at INTEGER NOT NULL);
        CREATE TABLE attendants(
            id INTEGER PRIMARY KEY, name TEXT NOT NULL, login TEXT NOT NULL, login_key TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL, phone TEXT, email TEXT, active INTEGER NOT NULL, hours TEXT NOT NULL,
            max_chats INTEGER NOT NULL CHECK (max_chats >= 0),
            rating_sum INTEGER NOT NULL DEFAULT 0, rating_count INTEGER NOT NULL DEFAULT 0,
            last_seen_at INTEGER, created_at INTEGER NOT NULL);
        CREATE TABLE attendant_departments(
            attendant_id INTEGER NOT NULL REFERENCES attendants(id) ON DELETE CASCADE,
            department_id TEXT NOT NULL REFERENCES departments(id),
            position INTEGER NOT NULL,
            PRIMARY KEY (attendant_id, department_id)) WITHOUT ROWID;
        CREATE INDEX attendant_departments_department ON attendant_departments(department_id);
        CREATE TABLE attendant_images(
            attendant_id INTEGER PRIMARY KEY REFERENCES attendants(id) ON DELETE CASCADE,
            content_type TEXT NOT NULL, data BLOB NOT NULL);
        CREATE TABLE settings(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE conversations(
            id INTEGER PRIMARY KEY, external_id TEXT NOT NULL UNIQUE, phone TEXT NOT NULL, contact_name TEXT,
            channel TEXT NOT NULL, department TEXT,
            state TEXT NOT NULL CHECK (state = 'potential' OR state = 'queued' OR state = 'assigned'
                OR state = 'closed' OR state = 'removed'),
            attendant_id INTEGER, opened_at INTEGER NOT NULL, queued_at INTEGER, assigned_at INTEGER,
            closed_at INTEGER, rating INTEGER CHECK (rating BETWEEN 1 AND 5), queue_seq INTEGER NOT NULL,
            preferred_attendant INTEGER, avoid_attendant INTEGER);
        CREATE INDEX conversations_open ON conversations(queue_seq) WHERE state NOT IN ('closed', 'removed');
        CREATE TABLE messages(
            id INTEGER PRIMARY KEY, conversation_id INTEGER NOT NULL, sender TEXT NOT NULL, text TEXT NOT NULL,
            at INTEGER NOT NULL);
        CREATE INDEX messages_conversation ON messages(conversation_id, id);
        CREATE TABLE contacts(
            phone TEXT PRIMARY KEY, name TEXT NOT NULL, extra TEXT, updated_at INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE contact_routes(phone TEXT PRIMARY KEY, attendant_id INTEGER NOT NULL) WITHOUT ROWID;
        """,
        """
        CREATE TABLE assignment_explanations(
            id INTEGER PRIMARY KEY, conversation_id INTEGER NOT NULL, at INTEGER NOT NULL, body TEXT NOT NULL);
        CREATE INDEX assignment_explanations_conversation ON assignment_explanations(conversation_id, id);
        """,
        // Explanations move into their conversation's row (one line each, oldest first): written by the same
        // statement that saves the assignment instead of a row and an index entry of their own (two fewer B-trees
        // for each commit to rewrite). Rows written before stay where they are.
        """
        ALTER TABLE conversations ADD COLUMN explanations TEXT;
        """,
        // Ids of deleted attendants: closed chats keep pointing at them, so a new attendant must never get one.
        // Who wrote each attendant message, and who moved a chat where (`conversation.history {authors}`).
        """
        CREATE TABLE IF NOT EXISTS retired_attendant_ids(id INTEGER PRIMARY KEY);
        CREATE TABLE IF NOT EXISTS message_authors(message_id INTEGER PRIMARY KEY, attendant_id INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS conversation_transfers(
            id INTEGER PRIMARY KEY, conversation_id INTEGER NOT NULL, at INTEGER NOT NULL, by_attendant INTEGER,
            from_attendant INTEGER, to_department TEXT, to_attendant INTEGER);
        CREATE INDEX IF NOT EXISTS conversation_transfers_conversation
            ON conversation_transfers(conversation_id, id);
        """,
        // Contract v2's queue policy and service level: a chat's priority and the times the service-level
        // figures are computed from (so they survive restarts), and each department's priority step and target.
        // Rows written before count as first queued and first assigned when they were last.
        """
        ALTER TABLE conversations ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE conversations ADD COLUMN first_queued_at INTEGER;
        ALTER TABLE conversations ADD COLUMN first_assigned_at INTEGER;
        ALTER TABLE conversations ADD COLUMN first_reply_at INTEGER;
        UPDATE conversations SET first_queued_at = queued_at, first_assigned_at = assigned_at;
        CREATE INDEX conversations_first_queued ON conversations(first_queued_at)
            WHERE first_queued_at IS NOT NULL;
        ALTER TABLE departments ADD COLUMN priority_step INTEGER NOT NULL DEFAULT 600;
        ALTER TABLE departments ADD COLUMN service_level INTEGER NOT NULL DEFAULT 60;
        CREATE TABLE holidays(date TEXT PRIMARY KEY, name TEXT NOT NULL) WITHOUT ROWID;
        """,
        // Admin accounts (contract v2): people who log in to the web panel with a login and password instead of a
        // token. Logins are unique across attendants and admins; the daemon checks both tables, as one key space.
        """
        CREATE TABLE IF NOT EXISTS admins(
            id INTEGER PRIMARY KEY, name TEXT NOT NULL, login TEXT NOT NULL, login_key TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL, last_seen_at INTEGER, created_at INTEGER NOT NULL);
        """,
        // Offers, reply timeouts and wrap-up: the state CHECK learns 'offered' (SQLite cannot alter a CHECK, so
        // the table is rebuilt, every column kept), the rows keep the offer's and wrap-up's times, the reply
        // deadline of the current assignment and the attendants passed over; departments gain their routing
        // settings and attendants the end of a running presence grace.
        """
        CREATE TABLE conversations_v7(
            id INTEGER PRIMARY KEY, external_id TEXT NOT NULL UNIQUE, phone TEXT NOT NULL, contact_name TEXT,
            channel TEXT NOT NULL, department TEXT,
            state TEXT NOT NULL CHECK (state = 'potential' OR state = 'queued' OR state = 'assigned'
                OR state = 'closed' OR state = 'removed' OR state = 'offered'),
            attendant_id INTEGER, opened_at INTEGER NOT NULL, queued_at INTEGER, assigned_at INTEGER,
            closed_at INTEGER, rating INTEGER CHECK (rating BETWEEN 1 AND 5), queue_seq INTEGER NOT NULL,
            preferred_attendant INTEGER, avoid_attendant INTEGER, explanations TEXT,
            priority INTEGER NOT NULL DEFAULT 0, first_queued_at INTEGER, first_assigned_at INTEGER,
            first_reply_at INTEGER,
            offered_at INTEGER, offer_expires_at INTEGER, wrap_up_until INTEGER, reply_due_at INTEGER,
            passed_over TEXT);
        INSERT INTO conversations_v7(id, external_id, phone, contact_name, channel, department, state, attendant_id,
            opened_at, queued_at, assigned_at, closed_at, rating, queue_seq, preferred_attendant, avoid_attendant,
            explanations, priority, first_queued_at, first_assigned_at, first_reply_at)
        SELECT id, external_id, phone, contact_name, channel, department, state, attendant_id, opened_at, queued_at,
            assigned_at, closed_at, rating, queue_seq, preferred_attendant, avoid_attendant, explanations, priority,
            first_queued_at, first_assigned_at, first_reply_at
        FROM conversations;
        DROP TABLE conversations;
        ALTER TABLE conversations_v7 RENAME TO conversations;
        CREATE INDEX conversations_open ON conversations(queue_seq) WHERE state NOT IN ('closed', 'removed');
        CREATE INDEX conversations_first_queued ON conversations(first_queued_at)
            WHERE first_queued_at IS NOT NULL;
        CREATE INDEX conversations_wrapping ON conversations(wrap_up_until) WHERE wrap_up_until IS NOT NULL;
        ALTER TABLE departments ADD COLUMN offer_timeout INTEGER;
        ALTER TABLE departments ADD COLUMN reply_timeout INTEGER;
        ALTER TABLE departments ADD COLUMN wrap_up INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE attendants ADD COLUMN grace_until INTEGER;
        """,
        // Overflow and wait alerts (contract v2): the department's rules, and each waiting chat's overflow state
        // (where it came from, moves made, when it joined its queue, the departments that alerted for it), so a
        // restart sets the same deadlines again.
        """
        ALTER TABLE conversations ADD COLUMN overflowed_from TEXT;
        ALTER TABLE conversations ADD COLUMN overflow_moves INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE conversations ADD COLUMN queue_joined_at INTEGER;
        ALTER TABLE conversations ADD COLUMN wait_alerted TEXT;
        ALTER TABLE departments ADD COLUMN overflow_after INTEGER;
        ALTER TABLE departments ADD COLUMN overflow_to TEXT;
        ALTER TABLE departments ADD COLUMN wait_alert INTEGER;
        """,
        // The web panel's sessions (Store+WebSessions.swift): a hash of each id, never the id.
        """
        CREATE TABLE IF NOT EXISTS web_sessions(
            id_hash TEXT PRIMARY KEY, attendant_id INTEGER, admin_id INTEGER, password_digest TEXT NOT NULL,
            expires_at INTEGER NOT NULL, CHECK ((attendant_id IS NULL) <> (admin_id IS NULL))) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS web_sessions_expiry ON web_sessions(expires_at);
        CREATE INDEX IF NOT EXISTS web_sessions_attendant ON web_sessions(attendant_id)
            WHERE attendant_id IS NOT NULL;
        CREATE INDEX IF NOT EXISTS web_sessions_admin ON web_sessions(admin_id)
            WHERE admin_id IS NOT NULL;
        """,
        // An attendant's choice of `away` (or its turning away by missed offers), kept so that a panel resumed
        // after a restart comes back as the attendant left it.
        """
        ALTER TABLE attendants ADD COLUMN away INTEGER NOT NULL DEFAULT 0;
        """,
        // Each attendant's run of offers that ran out unanswered (`maxMissedOffers`), so that a restart in the
        // middle of a run does not start it over.
        """
        ALTER TABLE attendants ADD COLUMN missed_offers INTEGER NOT NULL DEFAULT 0;
        """,
        // The department whose queue a chat first joined: the service level counts a chat there, where it was
        // first answered or abandoned, not wherever transfers and overflow took it since. Rows written before
        // have none and count where they are (`coalesce(first_department, department)`); a chat still open keeps
        // the department it is in now, so its later moves no longer move its figures.
        """
        ALTER TABLE conversations ADD COLUMN first_department TEXT;
        UPDATE conversations SET first_department = department
            WHERE state NOT IN ('closed', 'removed') AND first_queued_at IS NOT NULL;
        """,
        // The admin account that made a transfer (null for an attendant, or an admin by token or by the socket's
        // uid, which have no account), so the transcript names it.
        """
        ALTER TABLE conversation_transfers ADD COLUMN by_admin INTEGER;
        """,
    ]

    /// The version a fully migrated database has.
    static var latestVersion: Int64 { Int64(migrations.count) }

    /// Brings the database to the latest version, one committed step at a time.
    static func migrate(_ database: Database) throws(StoreError) {
        var version = try database.scalar("PRAGMA user_version") ?? 0
        guard version <= latestVersion else {
            throw StoreError(code: 0,
                             message: "database version \(version) is newer than this atended (\(latestVersion))")
        }
        while version < latestVersion {
            try database.execute("BEGIN IMMEDIATE")
            do {
                try database.execute(migrations[Int(version)])
                try database.execute("PRAGMA user_version = \(version + 1)")
                try database.execute("COMMIT")
            } catch {
                try? database.execute("ROLLBACK")
                throw error
            }
            version += 1
        }
    }
}
