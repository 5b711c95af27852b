// PostgresSchema: the same tables as Schema (SQLite), step for step, numbered in atende_schema.version. A step
// runs once, in a transaction, and the version moves with it; only the leader migrates (it holds the advisory
// lock). Add a step here whenever one is added to Schema, with the same number, and never edit one that shipped.
// Differences from SQLite's spelling only: BIGINT for times and ids, BYTEA for images, no WITHOUT ROWID.

enum PostgresSchema {
    static let migrations: [String] = [
        """
        CREATE TABLE departments(
            id TEXT PRIMARY KEY, name TEXT NOT NULL, strategy TEXT NOT NULL, created_at BIGINT NOT NULL);
        CREATE TABLE attendants(
            id BIGINT PRIMARY KEY, name TEXT NOT NULL, login TEXT NOT NULL, login_key TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL, phone TEXT, email TEXT, active INTEGER NOT NULL, hours TEXT NOT NULL,
            max_chats INTEGER NOT NULL CHECK (max_chats >= 0),
            rating_sum BIGINT NOT NULL DEFAULT 0, rating_count BIGINT NOT NULL DEFAULT 0,
            last_seen_at BIGINT, created_at BIGINT NOT NULL);
        CREATE TABLE attendant_departments(
            attendant_id BIGINT NOT NULL REFERENCES attendants(id) ON DELETE CASCADE,
            department_id TEXT NOT NULL REFERENCES departments(id),
            position INTEGER NOT NULL,
            PRIMARY KEY (attendant_id, department_id));
        CREATE INDEX attendant_departments_department ON attendant_departments(department_id);
        CREATE TABLE attendant_images(
            attendant_id BIGINT PRIMARY KEY REFERENCES attendants(id) ON DELETE CASCADE,
            content_type TEXT NOT NULL, data BYTEA NOT NULL);
        CREATE TABLE settings(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
        CREATE TABLE conversations(
            id BIGINT PRIMARY KEY, external_id TEXT NOT NULL UNIQUE, phone TEXT NOT NULL, contact_name TEXT,
            channel TEXT NOT NULL, department TEXT,
            state TEXT NOT NULL CHECK (state IN ('potential', 'queued', 'assigned', 'closed', 'removed')),
            attendant_id BIGINT, opened_at BIGINT NOT NULL, queued_at BIGINT, assigned_at BIGINT,
            closed_at BIGINT, rating INTEGER CHECK (rating BETWEEN 1 AND 5), queue_seq BIGINT NOT NULL,
            preferred_attendant BIGINT, avoid_attendant BIGINT);
        CREATE INDEX conversations_open ON conversations(queue_seq) WHERE state NOT IN ('closed', 'removed');
        CREATE TABLE messages(
            id BIGINT PRIMARY KEY, conversation_id BIGINT NOT NULL, sender TEXT NOT NULL, text TEXT NOT NULL,
            at BIGINT NOT NULL);
        CREATE INDEX messages_conversation ON messages(conversation_id, id);
        CREATE TABLE contacts(
            phone TEXT PRIMARY KEY, name TEXT NOT NULL, extra TEXT, updated_at BIGINT NOT NULL);
        CREATE TABLE contact_routes(phone TEXT PRIMARY KEY, attendant_id BIGINT NOT NULL);
        """,
        """
        CREATE TABLE assignment_explanations(
            id BIGSERIAL PRIMARY KEY, conversation_id BIGINT NOT NULL, at BIGINT NOT NULL, body TEXT NOT NULL);
        CREATE INDEX assignment_explanations_conversation ON assignment_explanations(conversation_id, id);
        """,
        """
        ALTER TABLE conversations ADD COLUMN explanations TEXT;
        """,
        """
        CREATE TABLE IF NOT EXISTS retired_attendant_ids(id BIGINT PRIMARY KEY);
        CREATE TABLE IF NOT EXISTS message_authors(message_id BIGINT PRIMARY KEY, attendant_id BIGINT NOT NULL);
        CREATE TABLE IF NOT EXISTS conversation_transfers(
            id BIGSERIAL PRIMARY KEY, conversation_id BIGINT NOT NULL, at BIGINT NOT NULL, by_attendant BIGINT,
            from_attendant BIGINT, to_department TEXT, to_attendant BIGINT);
        CREATE INDEX IF NOT EXISTS conversation_transfers_conversation
            ON conversation_transfers(conversation_id, id);
        """,
        """
        ALTER TABLE conversations ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE conversations ADD COLUMN first_queued_at BIGINT;
        ALTER TABLE conversations ADD COLUMN first_assigned_at BIGINT;
        ALTER TABLE conversations ADD COLUMN first_reply_at BIGINT;
        UPDATE conversations SET first_queued_at = queued_at, first_assigned_at = assigned_at;
        CREATE INDEX conversations_first_queued ON conversations(first_queued_at)
            WHERE first_queued_at IS NOT NULL;
        ALTER TABLE departments ADD COLUMN priority_step INTEGER NOT NULL DEFAULT 600;
        ALTER TABLE departments ADD COLUMN service_level INTEGER NOT NULL DEFAULT 60;
        CREATE TABLE holidays(date TEXT PRIMARY KEY, name TEXT NOT NULL);
        """,
        """
        CREATE TABLE IF NOT EXISTS admins(
            id BIGINT PRIMARY KEY, name TEXT NOT NULL, login TEXT NOT NULL, login_key TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL, last_seen_at BIGINT, created_at BIGINT NOT NULL);
        """,
        // PostgreSQL alters the CHECK in place where SQLite rebuilds the table.
        """
        ALTER TABLE conversations DROP CONSTRAINT conversations_state_check;
        ALTER TABLE conversations ADD CONSTRAINT conversations_state_check
            CHECK (state IN ('potential', 'queued', 'assigned', 'closed', 'removed', 'offered'));
        ALTER TABLE conversations ADD COLUMN offered_at BIGINT, ADD COLUMN offer_expires_at BIGINT,
            ADD COLUMN wrap_up_until BIGINT, ADD COLUMN reply_due_at BIGINT, ADD COLUMN passed_over TEXT;
        CREATE INDEX conversations_wrapping ON conversations(wrap_up_until) WHERE wrap_up_until IS NOT NULL;
        ALTER TABLE departments ADD COLUMN offer_timeout BIGINT, ADD COLUMN reply_timeout BIGINT,
            ADD COLUMN wrap_up BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE attendants ADD COLUMN grace_until BIGINT;
        """,
        """
        ALTER TABLE conversations ADD COLUMN overflowed_from TEXT,
            ADD COLUMN overflow_moves BIGINT NOT NULL DEFAULT 0, ADD COLUMN queue_joined_at BIGINT,
            ADD COLUMN wait_alerted TEXT;
        ALTER TABLE departments ADD COLUMN overflow_after BIGINT, ADD COLUMN overflow_to TEXT,
            ADD COLUMN wait_alert BIGINT;
        """,
        """
        CREATE TABLE IF NOT EXISTS web_sessions(
            id_hash TEXT PRIMARY KEY, attendant_id BIGINT, admin_id BIGINT, password_digest TEXT NOT NULL,
            expires_at BIGINT NOT NULL, CHECK ((attendant_id IS NULL) <> (admin_id IS NULL)));
        CREATE INDEX IF NOT EXISTS web_sessions_expiry ON web_sessions(expires_at);
        CREATE INDEX IF NOT EXISTS web_sessions_attendant ON web_sessions(attendant_id)
            WHERE attendant_id IS NOT NULL;
        CREATE INDEX IF NOT EXISTS web_sessions_admin ON web_sessions(admin_id)
            WHERE admin_id IS NOT NULL;
        """,
        """
        ALTER TABLE attendants ADD COLUMN away BIGINT NOT NULL DEFAULT 0;
        """,
        """
        ALTER TABLE attendants ADD COLUMN missed_offers BIGINT NOT NULL DEFAULT 0;
        """,
        """
        ALTER TABLE conversations ADD COLUMN first_department TEXT;
        UPDATE conversations SET first_department = department
            WHERE state NOT IN ('closed', 'removed') AND first_queued_at IS NOT NULL;
        """,
        """
        ALTER TABLE conversation_transfers ADD COLUMN by_admin BIGINT;
        """,
    ]

    /// The version a fully migrated database has (the same number as SQLite's).
    static var latestVersion: Int64 { Int64(migrations.count) }

    /// Brings the database to the latest version, one committed step at a time.
    static func migrate(_ connection: PostgresConnection) throws(StoreError) {
        try connection.execute("CREATE TABLE IF NOT EXISTS atende_schema(version BIGINT NOT NULL)")
        try connection.execute(
            "INSERT INTO atende_schema(version) SELECT 0 WHERE NOT EXISTS (SELECT FROM atende_schema)")
        var version = try connection.scalar("SELECT version FROM atende_schema") ?? 0
        guard version <= latestVersion else {
            throw StoreError(code: StoreError.postgresFailure,
                             message: "database version \(version) is newer than this atended (\(latestVersion))")
        }
        while version < latestVersion {
            try connection.execute("BEGIN")
            do {
                try connection.execute(migrations[Int(version)])
                try connection.execute("UPDATE atende_schema SET version = \(version + 1)")
                try connection.execute("COMMIT")
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
            version += 1
        }
    }
}
