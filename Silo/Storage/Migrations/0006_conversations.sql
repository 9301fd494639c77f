-- Conversations: a private message's inbox rows name the other party (peer) and the seq of the same message in the
-- other party's inbox (peer_seq), so that an inbox can be read per conversation (the latest message, unread counts)
-- and a read receipt can name the message in the sender's own numbering. Only CHAT rows have a peer.

ALTER TABLE im_inbox ADD COLUMN IF NOT EXISTS peer bigint NOT NULL DEFAULT 0;
ALTER TABLE im_inbox ADD COLUMN IF NOT EXISTS peer_seq bigint NOT NULL DEFAULT 0;

CREATE INDEX IF NOT EXISTS im_inbox_peer ON im_inbox (uid, peer, seq) WHERE peer <> 0;

-- Messages received before this migration belong to the conversation with their sender (their peer_seq stays 0:
-- no receipt names them). Messages sent before it have no peer: the body alone says whom they went to.
UPDATE im_inbox i SET peer = i.orig
FROM im_message m
WHERE m.id = i.message_id AND m.cmd = 513 AND i.orig <> i.uid AND i.peer = 0;
