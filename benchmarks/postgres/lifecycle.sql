-- pgbench custom script: the statements atended sends PostgreSQL for one conversation of the durable lifecycle
-- (scenario 1), in its two turns: the open (the conversation saved assigned, the contact's last attendant) and
-- the close (state and closing time). One pgbench transaction is one conversation; each turn commits on its own,
-- with synchronous_commit on, as atended's turns do (atended's group commit joins many turns into one commit).
\set id random(1, 2000000000)
\set attendant random(1, 16)
\set now 1795700000000
BEGIN;
INSERT INTO conversations(id, contact_name, department, state, attendant_id, queued_at, assigned_at, closed_at,
    rating, queue_seq, preferred_attendant, avoid_attendant, external_id, phone, channel, opened_at, explanations)
VALUES (:id, NULL, 'life-0', 'assigned', :attendant, :now, :now, NULL, NULL, :id, NULL, NULL, 'pgb-' || :id,
    '+5511987654321', 'whatsapp', :now, NULL)
ON CONFLICT (id) DO UPDATE SET contact_name = excluded.contact_name, department = excluded.department,
    state = excluded.state, attendant_id = excluded.attendant_id, queued_at = excluded.queued_at,
    assigned_at = excluded.assigned_at, closed_at = excluded.closed_at, rating = excluded.rating,
    queue_seq = excluded.queue_seq, preferred_attendant = excluded.preferred_attendant,
    avoid_attendant = excluded.avoid_attendant,
    explanations = CASE WHEN excluded.explanations IS NULL THEN conversations.explanations
        ELSE coalesce(conversations.explanations || chr(10), '') || excluded.explanations END;
INSERT INTO contact_routes(phone, attendant_id) VALUES ('+5511' || :id, :attendant)
ON CONFLICT (phone) DO UPDATE SET attendant_id = excluded.attendant_id;
COMMIT;
INSERT INTO conversations(id, contact_name, department, state, attendant_id, queued_at, assigned_at, closed_at,
    rating, queue_seq, preferred_attendant, avoid_attendant, external_id, phone, channel, opened_at, explanations)
VALUES (:id, NULL, 'life-0', 'closed', :attendant, :now, :now, :now, NULL, :id, NULL, NULL, 'pgb-' || :id,
    '+5511987654321', 'whatsapp', :now, NULL)
ON CONFLICT (id) DO UPDATE SET state = excluded.state, closed_at = excluded.closed_at;
