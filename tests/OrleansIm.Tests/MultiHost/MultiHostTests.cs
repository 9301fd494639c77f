using OrleansIm.Client;
using OrleansIm.Protocol;
using OrleansIm.Protocol.Messages;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.MultiHost;

/// <summary>
/// A cluster of three hosts, each silo in a network namespace of its own with its own address (<see cref="ThreeHosts"/>),
/// PostgreSQL on the bridge between them, the clients outside: chat, groups and rooms with a member on every host, the
/// membership table holding each host's own address, and every gateway in /api/iplist.
/// </summary>
public sealed class MultiHostTests(ThreeHosts hosts) : IClassFixture<ThreeHosts>
{
    private NetworkCluster Cluster => hosts.Cluster;

    /// <summary>One user per host, on TCP or WebSocket by turn.</summary>
    private async Task<ImClient[]> OnePerHostAsync()
    {
        var clients = new ImClient[ThreeHosts.Count];
        for (var host = 0; host < clients.Length; host++)
        {
            clients[host] = host % 2 == 0 ? await Cluster.LoginAsync(host, Ids.Next()) : await Cluster.LoginWebSocketAsync(host, Ids.Next());
        }

        return clients;
    }

    [Fact]
    public async Task Private_chat_reaches_users_on_every_other_host()
    {
        var users = await OnePerHostAsync();
        foreach (var from in users)
        {
            foreach (var to in users.Where(u => u != from))
            {
                var ack = await from.ChatAsync(to.Uid, $"{from.Uid}->{to.Uid}");
                Assert.Equal(0u, ack.Code);
                var frame = await to.ReceiveAsync(Cmd.Chat);
                Assert.Equal(($"{from.Uid}->{to.Uid}", from.Uid), (frame.As(Chat.Parser).Text, frame.As(Chat.Parser).Orig));
            }
        }

        foreach (var user in users)
        {
            await user.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_group_with_members_on_every_host_delivers_each_message_to_all_of_them()
    {
        var members = await OnePerHostAsync();
        var gid = await members[0].CreateGroupAsync();
        foreach (var member in members.Skip(1))
        {
            Assert.Equal(0u, await member.GroupAsync(Cmd.GroupJoin, member.Uid, gid));
        }

        Assert.Equal((uint)members.Length, (await members[2].ListAsync(gid)).Total);
        foreach (var sender in members)
        {
            var ack = await sender.GroupChatAsync(gid, $"from {sender.Uid}");
            Assert.Equal(0u, ack.Code);
            foreach (var member in members.Where(m => m != sender))
            {
                var frame = await member.ReceiveAsync(Cmd.GroupChat);
                Assert.Equal(($"from {sender.Uid}", ack.Seq), (frame.As(GroupChat.Parser).Text, frame.Header.Serial));
            }
        }

        foreach (var member in members)
        {
            await member.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_room_with_members_on_every_host_counts_them_all_and_delivers_to_all()
    {
        var members = await OnePerHostAsync();
        var rid = await members[1].CreateRoomAsync();
        foreach (var member in members)
        {
            Assert.Equal(0u, (await member.JoinRoomAsync(rid)).Code);
        }

        Assert.Equal((uint)members.Length, (await members[0].CountAsync(rid)).Num);
        foreach (var sender in members)
        {
            Assert.Equal(0u, (await sender.RoomChatAsync(rid, $"room from {sender.Uid}")).Code);
            foreach (var member in members.Where(m => m != sender))
            {
                Assert.Equal($"room from {sender.Uid}", (await member.ReceiveAsync(Cmd.RoomChat)).As(RoomChat.Parser).Text);
            }
        }

        Assert.Equal(0u, await members[1].BroadcastAsync(rid, [7], expire: 0));
        foreach (var member in members)
        {
            Assert.Equal(7, (await member.ReceiveAsync(Cmd.RoomBc)).As(RoomBc.Parser).Data[0]);
        }

        foreach (var member in members)
        {
            await member.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_membership_table_holds_each_hosts_own_address_and_never_loopback()
    {
        var members = await Cluster.MembershipAsync();
        Assert.All(members, m => Assert.NotEqual("127.0.0.1", m.Address));
        var active = members.Where(m => m.Status == NetworkCluster.Active).OrderBy(m => m.Name).ToList();
        Assert.Equal(
            Cluster.Network.Addresses.Select((address, host) => ($"host{host + 1}", address, NetworkCluster.Ports[2], NetworkCluster.Ports[3])),
            active.Select(m => (m.Name, m.Address, m.Port, m.ProxyPort)));
    }

    [Fact]
    public async Task Every_host_lists_every_gateway_in_iplist_by_its_own_address()
    {
        for (var host = 0; host < ThreeHosts.Count; host++)
        {
            var tcp = await Cluster.IpListAsync(host, "tcp");
            var ws = await Cluster.IpListAsync(host, "ws");
            Assert.Equal(Cluster.TcpEndpoints.Order(), tcp.Order());
            Assert.Equal(Cluster.Network.Addresses.Select(a => $"{a}:{NetworkCluster.Ports[0]}").Order(), ws.Order());
        }

        // A client that knows one host finds the others there and logs in on each.
        foreach (var endpoint in await Cluster.IpListAsync(0, "tcp"))
        {
            var colon = endpoint.LastIndexOf(':');
            await using var client = await ImClient.ConnectTcpAsync(endpoint[..colon], int.Parse(endpoint[(colon + 1)..]));
            var uid = Ids.Next();
            Assert.Equal(0u, (await client.LoginAsync(uid, ProcessTokens.For(uid))).Code);
        }
    }
}
