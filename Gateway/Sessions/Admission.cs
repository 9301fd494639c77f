using Microsoft.Extensions.DependencyInjection;
using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using OrleansIm.Grains.Interfaces;

namespace OrleansIm.Gateway.Sessions;

/// <summary>
/// Who may connect and log in on this node: at most <see cref="GatewayOptions.MaxConnections"/> connections, at most
/// <see cref="GatewayOptions.MaxConnectionsPerAddress"/> from one remote address, logins from one address at
/// <see cref="GatewayOptions.LoginsPerSecondPerAddress"/>, and <see cref="GatewayOptions.MaxConcurrentLogins"/> logins
/// worked on at once. Loopback addresses are exempt from the per-address limits
/// unless <see cref="GatewayOptions.LimitLoopback"/> (a reverse proxy on the same host makes every browser one address).
/// </summary>
public sealed class Admission(IOptions<GatewayOptions> options, [FromKeyedServices(ImClock.Key)] TimeProvider time)
{
    private readonly GatewayOptions _options = options.Value;
    private readonly TimeProvider _time = time;
    private readonly ConcurrentDictionary<IPAddress, int> _perAddress = new();
    private readonly ConcurrentDictionary<IPAddress, LoginBucket> _logins = new();
    private readonly SemaphoreSlim? _loginSlots = options.Value.MaxConcurrentLogins > 0 ? new(options.Value.MaxConcurrentLogins) : null;
    private int _connections;
    private int _loginCalls;

    public const string NodeFull = "this node is at its connection limit";
    public const string AddressFull = "too many connections from this address";

    /// <summary>Counts a new connection, or says why it is refused (then nothing is counted).</summary>
    public string? TryAdmit(IPAddress? address)
    {
        if (Interlocked.Increment(ref _connections) > _options.MaxConnections)
        {
            Interlocked.Decrement(ref _connections);
            return NodeFull;
        }

        if (PerAddressLimited(address) && _options.MaxConnectionsPerAddress > 0
            && _perAddress.AddOrUpdate(address!, 1, static (_, n) => n + 1) > _options.MaxConnectionsPerAddress)
        {
            ReleaseAddress(address!);
            Interlocked.Decrement(ref _connections);
            return AddressFull;
        }

        return null;
    }

    /// <summary>Releases what <see cref="TryAdmit"/> counted.</summary>
    public void Release(IPAddress? address)
    {
        Interlocked.Decrement(ref _connections);
        if (PerAddressLimited(address) && _options.MaxConnectionsPerAddress > 0)
        {
            ReleaseAddress(address!);
        }
    }

    /// <summary>
    /// Waits for one of the node's <see cref="GatewayOptions.MaxConcurrentLogins"/> login slots, at most
    /// <see cref="GatewayOptions.LoginQueueWait"/>; false when none came free (the login is then refused with 10002).
    /// A true answer must be matched by <see cref="LeaveLogin"/>.
    /// </summary>
    public Task<bool> EnterLoginAsync() =>
        _loginSlots is null ? Task.FromResult(true) : _loginSlots.WaitAsync(_options.LoginQueueWait);

    /// <summary>Frees the slot <see cref="EnterLoginAsync"/> gave.</summary>
    public void LeaveLogin() => _loginSlots?.Release();

    /// <summary>Logins being worked on now (for the admin API and tests).</summary>
    public int LoginsInProgress => _loginSlots is null ? 0 : _options.MaxConcurrentLogins - _loginSlots.CurrentCount;

    /// <summary>Takes one login from the address's bucket; false when it logs in faster than allowed.</summary>
    public bool TryLogin(IPAddress? address)
    {
        if (!PerAddressLimited(address) || _options.LoginsPerSecondPerAddress <= 0)
        {
            return true;
        }

        if ((Interlocked.Increment(ref _loginCalls) & 1023) == 0)
        {
            Prune();
        }

        var bucket = _logins.GetOrAdd(address!, static (_, s) => new LoginBucket(s._options.LoginBurstPerAddress, s._time.GetTimestamp()), this);
        lock (bucket)
        {
            var now = _time.GetTimestamp();
            bucket.Tokens = Math.Min(_options.LoginBurstPerAddress, bucket.Tokens + _time.GetElapsedTime(bucket.Last, now).TotalSeconds * _options.LoginsPerSecondPerAddress);
            bucket.Last = now;
            if (bucket.Tokens < 1)
            {
                return false;
            }

            bucket.Tokens -= 1;
            return true;
        }
    }

    /// <summary>Forgets login buckets that have refilled, so the table stays small.</summary>
    public void Prune()
    {
        var now = _time.GetTimestamp();
        var full = TimeSpan.FromSeconds(_options.LoginBurstPerAddress / Math.Max(1.0, _options.LoginsPerSecondPerAddress));
        foreach (var (address, bucket) in _logins)
        {
            if (_time.GetElapsedTime(bucket.Last, now) > full)
            {
                _logins.TryRemove(address, out _);
            }
        }
    }

    public int Connections => Volatile.Read(ref _connections);

    private bool PerAddressLimited(IPAddress? address) =>
        address is not null && (_options.LimitLoopback || !IPAddress.IsLoopback(address));

    private void ReleaseAddress(IPAddress address)
    {
        while (_perAddress.TryGetValue(address, out var count))
        {
            if (count <= 1 ? _perAddress.TryRemove(new KeyValuePair<IPAddress, int>(address, count)) : _perAddress.TryUpdate(address, count - 1, count))
            {
                return;
            }
        }
    }

    private sealed class LoginBucket(double tokens, long last)
    {
        public double Tokens = tokens;
        public long Last = last;
    }
}
