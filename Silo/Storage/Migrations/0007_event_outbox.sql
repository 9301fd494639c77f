-- Webhook events waiting to be posted. A message's events are inserted by the statement that stores the message,
-- in the same transaction, so an acknowledged message's event survives whatever happens to the silo after the
-- ACK; any live silo posts them (one at a time, under an advisory lock) and deletes what the receiver accepted.
-- kind: 1 message.offline, 2 message.stored, 3 session.online, 4 session.offline, 5 contact.changed,
-- 6 group.member. A message event names its log (log_kind 1 inbox, 2 group; owner, seq); the message itself is read
-- when the event is posted. payload: the event's own fields (JSON).

CREATE TABLE IF NOT EXISTS im_outbox (
    id         bigserial PRIMARY KEY,
    kind       smallint NOT NULL,
    log_kind   smallint NOT NULL DEFAULT 0,
    owner      bigint NOT NULL DEFAULT 0,
    seq        bigint NOT NULL DEFAULT 0,
    payload    text,
    created_at timestamptz NOT NULL DEFAULT now()
);
