using System.Net;
using System.Net.Sockets;

namespace OrleansIm.Tests.Infrastructure;

/// <summary>
/// Loopback ports that were free a moment ago. They are drawn below the kernel's ephemeral range, so outgoing
/// connections (which take ephemeral ports) do not grab them between the check and the server's bind.
/// </summary>
public static class FreePorts
{
    private const int Low = 20000;
    private const int High = 32000;
    private static int _next = Low + Random.Shared.Next(High - Low);

    public static int[] Take(int count)
    {
        var ports = new List<int>(count);
        while (ports.Count < count)
        {
            var port = Low + (Interlocked.Increment(ref _next) - Low) % (High - Low);
            if (IsFree(port))
            {
                ports.Add(port);
            }
        }

        return [.. ports];
    }

    private static bool IsFree(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        finally
        {
            listener.Stop();
        }
    }
}
