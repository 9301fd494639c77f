-- Messages and inboxes. A body is stored once in im_message; every inbox that holds it has a row in im_inbox.
-- Ids (uid, orig, serial) are unsigned 64-bit on the wire and stored bit for bit in bigint.

CREATE TABLE IF NOT EXISTS im_message (
    id         bigserial PRIMARY KEY,
    cmd        integer NOT NULL,
    orig       bigint NOT NULL,
    body       bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS im_inbox (
    uid        bigint NOT NULL,
    seq        bigint NOT NULL,
    orig       bigint NOT NULL,
    serial     bigint NOT NULL,
    message_id bigint NOT NULL REFERENCES im_message (id),
    PRIMARY KEY (uid, seq)
);

-- A client's message id (orig, serial) lands in an inbox at most once: the idempotency of CHAT across restarts.
CREATE UNIQUE INDEX IF NOT EXISTS im_inbox_idempotency ON im_inbox (uid, orig, serial) WHERE serial <> 0;
