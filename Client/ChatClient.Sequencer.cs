using Google.Protobuf;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;

namespace OrleansIm.Client;

public sealed partial class ChatClient
{
    /// <summary>
    /// Delivers inbox and group log entries once each, in seq order. Seqs of one log have no gaps, so an entry after a
    /// gap waits and asks SYNC; a repeat (a live push that SYNC replays too) is dropped. During a SYNC, entries wait
    /// and are delivered at its SYNC-ACK, in order: what the replay did not bring by then was removed by retention.
    /// </summary>
    private sealed class Sequencer(ChatClient client)
    {
        private static readonly HashSet<uint> InboxCommands = [Cmd.Chat, Cmd.FriendAdd, Cmd.FriendDel, Cmd.P2P, Cmd.RecallNtc, Cmd.GroupInvite, Cmd.GroupDimiss];

        private static readonly HashSet<uint> GroupCommands =
        [
            Cmd.GroupChat, Cmd.GroupJoinNtc, Cmd.GroupQuitNtc, Cmd.GroupKickNtc, Cmd.GroupGagAddNtc, Cmd.GroupGagDelNtc,
            Cmd.GroupBlAddNtc, Cmd.GroupBlDelNtc, Cmd.GroupMgrAddNtc, Cmd.GroupMgrDelNtc, Cmd.GroupInfoNtc, Cmd.GroupRecallNtc,
        ];

        private readonly object _lock = new();
        private readonly Track _inbox = new();
        private readonly Dictionary<ulong, Track> _groups = [];
        private int _syncing;
        private ulong _acknowledged;

        public ulong InboxSeq
        {
            get
            {
                lock (_lock)
                {
                    return _inbox.Seq;
                }
            }
        }

        /// <summary>The SYNC to send now: the inbox after what was delivered (or <paramref name="from"/> the first time), every known group after its seq.</summary>
        public Sync SyncRequest(ulong? from, bool first)
        {
            lock (_lock)
            {
                _syncing++;
                var request = new Sync { Uid = client.Uid };
                if (first && from is { } start)
                {
                    (_inbox.Seq, _inbox.Known) = (start, true);
                }

                if (_inbox.Known)
                {
                    request.Seq = _inbox.Seq;
                }

                foreach (var (gid, track) in _groups.Where(g => g.Value.Known).OrderBy(g => g.Key))
                {
                    request.Groups.Add(new GroupCursor { Gid = gid, Seq = track.Seq });
                }

                return request;
            }
        }

        /// <summary>The app's own SYNC: the positions it names become where delivery starts again.</summary>
        public Sync SyncRequest(Sync request)
        {
            lock (_lock)
            {
                _syncing++;
                if (request.HasSeq)
                {
                    (_inbox.Seq, _inbox.Known) = (request.Seq, true);
                    _inbox.Ahead.Clear();
                }

                foreach (var cursor in request.Groups)
                {
                    if (!_groups.TryGetValue(cursor.Gid, out var track))
                    {
                        _groups[cursor.Gid] = track = new Track();
                    }

                    (track.Seq, track.Known) = (cursor.Seq, true);
                    track.Ahead.Clear();
                }

                return request;
            }
        }

        public void ConnectionLost()
        {
            lock (_lock)
            {
                _syncing = 0;
            }
        }

        public void Push(ImClient connection, ReceivedFrame frame, IMessage? body)
        {
            var seq = frame.Header.Serial;
            var uid = body is null ? 0 : FieldOf(body, 1);
            if (InboxCommands.Contains(frame.Type) || (frame.Type is Cmd.GroupKickNtc or Cmd.GroupBlAddNtc && uid == client.Uid))
            {
                ChatEvent e = frame.Type == Cmd.Chat && body is Chat chat ? new PrivateMessage(seq, chat) { Frame = frame } : new InboxNotice(seq, frame.Type, body) { Frame = frame };
                Arrived(connection, _inbox, seq, e);
                return;
            }

            if (GroupCommands.Contains(frame.Type) && body is not null)
            {
                var gid = FieldOf(body, 2);
                ChatEvent e = frame.Type == Cmd.GroupChat && body is GroupChat chat ? new GroupMessage(gid, seq, chat) { Frame = frame } : new GroupNotice(gid, seq, frame.Type, body) { Frame = frame };
                Track track;
                lock (_lock)
                {
                    if (!_groups.TryGetValue(gid, out track!))
                    {
                        _groups[gid] = track = new Track();
                    }
                }

                Arrived(connection, track, seq, e);
                return;
            }

            client.Publish(frame.Type == Cmd.RoomChat && body is RoomChat room ? new RoomMessage(room) { Frame = frame } : new LiveNotice(frame.Type, body) { Frame = frame });
        }

        /// <summary>At SYNC-ACK: everything waiting goes out in order; the inbox moves to the head the server named.</summary>
        public void SyncDone(ImClient connection, SyncAck ack)
        {
            var ready = new List<ChatEvent>();
            lock (_lock)
            {
                _syncing = Math.Max(0, _syncing - 1);
                if (ack.Code != ResultCode.Ok)
                {
                    return;
                }

                Flush(_inbox, ready);
                if (ack.Seq > _inbox.Seq)
                {
                    _inbox.Seq = ack.Seq;
                }

                _inbox.Known = true;
                foreach (var track in _groups.Values)
                {
                    Flush(track, ready);
                }
            }

            if (ack.Trimmed)
            {
                client.Publish(new HistoryTrimmed(null));
            }

            foreach (var e in ready)
            {
                client.Publish(e);
            }

            AcknowledgeCursor(connection);
        }

        /// <summary>Moves the server's delivery cursor to what this client holds without gaps (CHAT-ACK).</summary>
        public void AcknowledgeCursor(ImClient connection)
        {
            ulong seq;
            lock (_lock)
            {
                if (_inbox.Seq <= _acknowledged)
                {
                    return;
                }

                seq = _acknowledged = _inbox.Seq;
            }

            _ = SendQuietly(connection, Cmd.ChatAck, new ChatAck { Orig = client.Uid, Dest = client.Uid, Code = 0, Errmsg = "ok" }, seq);
        }

        private void Arrived(ImClient connection, Track track, ulong seq, ChatEvent e)
        {
            var ready = new List<ChatEvent>();
            var gap = false;
            lock (_lock)
            {
                if (track.Known && seq <= track.Seq || track.Ahead.ContainsKey(seq))
                {
                    return;
                }

                if (!track.Known && _syncing == 0)
                {
                    // The first entry of a log this client has no position in (a group first seen live).
                    (track.Seq, track.Known) = (seq - 1, true);
                }

                track.Ahead[seq] = e;
                if (track.Known)
                {
                    while (track.Ahead.Remove(track.Seq + 1, out var next))
                    {
                        track.Seq++;
                        ready.Add(next);
                    }
                }

                gap = track.Ahead.Count > 0 && _syncing == 0;
            }

            foreach (var r in ready)
            {
                client.Publish(r);
            }

            if (gap)
            {
                _ = Quietly(client.SyncOnAsync(connection, CancellationToken.None));
            }
        }

        private static void Flush(Track track, List<ChatEvent> ready)
        {
            foreach (var (seq, e) in track.Ahead)
            {
                if (!track.Known || seq > track.Seq)
                {
                    track.Seq = seq;
                    track.Known = true;
                    ready.Add(e);
                }
            }

            track.Ahead.Clear();
        }

        private static ulong FieldOf(IMessage body, int number) =>
            body.Descriptor.FindFieldByNumber(number) is { } field && field.Accessor.GetValue(body) is ulong value ? value : 0;

        private static async Task SendQuietly(ImClient connection, uint cmd, IMessage body, ulong serial)
        {
            try
            {
                await connection.SendAsync(cmd, body, serial);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or System.Net.WebSockets.WebSocketException or System.Net.Sockets.SocketException)
            {
                // The connection is going; the next one acknowledges.
            }
        }

        private sealed class Track
        {
            public ulong Seq { get; set; }

            public bool Known { get; set; }

            public SortedDictionary<ulong, ChatEvent> Ahead { get; } = [];
        }
    }
}
