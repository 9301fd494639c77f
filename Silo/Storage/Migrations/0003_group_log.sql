-- Group logs: the same shape as inboxes, one per group. GROUP-CHAT and the group notices live here.

CREATE TABLE IF NOT EXISTS im_group_log (
    gid        bigint NOT NULL,
    seq        bigint NOT NULL,
    orig       bigint NOT NULL,
    serial     bigint NOT NULL,
    message_id bigint NOT NULL REFERENCES im_message (id),
    PRIMARY KEY (gid, seq)
);

CREATE UNIQUE INDEX IF NOT EXISTS im_group_log_idempotency ON im_group_log (gid, orig, serial) WHERE serial <> 0;
