-- Inbox seqs are handed out inside the transaction that stores the entry: each inbox's highest seq is one row
-- here, bumped by the same statement that inserts the entries. A rolled-back batch rolls its seqs back with it,
-- so inboxes stay gap-free, and writers on several silos serialize on the row instead of colliding.

CREATE TABLE IF NOT EXISTS im_inbox_head (
    uid  bigint PRIMARY KEY,
    head bigint NOT NULL
);

INSERT INTO im_inbox_head (uid, head)
SELECT uid, max(seq) FROM im_inbox GROUP BY uid
ON CONFLICT (uid) DO NOTHING;
