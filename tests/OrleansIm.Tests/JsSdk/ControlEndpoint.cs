using System.Net;
using System.Text;
using OrleansIm.Tests.Infrastructure;

namespace OrleansIm.Tests.JsSdk;

/// <summary>
/// A loopback HTTP endpoint through which a node test asks the test host to act (POST /down, /up, /restart): the
/// action runs to its end before the answer, so the script knows the proxy is down or the new server is up.
/// </summary>
public sealed class ControlEndpoint : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly IReadOnlyDictionary<string, Func<Task>> _actions;
    private readonly Task _serving;

    public ControlEndpoint(IReadOnlyDictionary<string, Func<Task>> actions)
    {
        _actions = actions;
        var port = FreePorts.Take(1)[0];
        Url = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _serving = ServeAsync();
    }

    public string Url { get; }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }

            var name = context.Request.Url!.AbsolutePath.Trim('/');
            var (status, text) = (200, "ok");
            if (!_actions.TryGetValue(name, out var action))
            {
                (status, text) = (404, $"no action {name}");
            }
            else
            {
                try
                {
                    await action();
                }
                catch (Exception ex)
                {
                    (status, text) = (500, ex.ToString());
                }
            }

            context.Response.StatusCode = status;
            var bytes = Encoding.UTF8.GetBytes(text);
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _serving;
        _listener.Close();
    }
}
