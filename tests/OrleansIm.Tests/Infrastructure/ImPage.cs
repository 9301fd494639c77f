using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace OrleansIm.Tests.Infrastructure;

/// <summary>The web client in one browser context, driven the way a person uses it: fields, buttons, text.</summary>
public sealed class ImPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly List<string> _consoleErrors = [];

    private ImPage(IBrowserContext context, IPage page, ulong uid)
    {
        _context = context;
        Page = page;
        Uid = uid;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (_consoleErrors)
                {
                    _consoleErrors.Add(message.Text);
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (_consoleErrors)
            {
                _consoleErrors.Add(error);
            }
        };
    }

    public IPage Page { get; }

    public ulong Uid { get; }

    /// <summary>Script errors the page logged (uncaught exceptions, console.error).</summary>
    public IReadOnlyList<string> ConsoleErrors
    {
        get
        {
            lock (_consoleErrors)
            {
                return [.. _consoleErrors];
            }
        }
    }

    /// <summary>Opens the page served by <paramref name="site"/> in a fresh context and logs in with a development token.</summary>
    public static async Task<ImPage> LoginAsync(IBrowser browser, Uri site, ulong uid, string? token = null)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 760 } });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        var im = new ImPage(context, page, uid);
        await page.GotoAsync(site.ToString());
        await page.GetByTestId("login-uid").FillAsync(uid.ToString());
        if (token is not null)
        {
            await page.GetByTestId("login-token").FillAsync(token);
        }

        await page.GetByTestId("login-submit").ClickAsync();
        await im.WaitOnlineAsync();
        return im;
    }

    public async Task WaitOnlineAsync() =>
        await Assertions.Expect(Page.GetByTestId("status")).ToHaveTextAsync("online", new() { Timeout = 20_000 });

    public Task TabAsync(string name) => Page.GetByRole(AriaRole.Tab, new() { NameRegex = new Regex("^" + name, RegexOptions.IgnoreCase) }).ClickAsync();

    public async Task OpenConversationAsync(ulong peer)
    {
        await TabAsync("Chats");
        await Page.GetByTestId("new-chat-peer").FillAsync(peer.ToString());
        await Page.GetByTestId("new-chat-peer").PressAsync("Enter");
    }

    public async Task SendChatAsync(string text)
    {
        await Page.GetByTestId("chat-input").FillAsync(text);
        await Page.GetByTestId("chat-send").ClickAsync();
    }

    /// <summary>Text of the error toasts now shown.</summary>
    public ILocator Errors => Page.GetByTestId("errors");

    public async Task ScreenshotAsync(string name)
    {
        var file = Path.Combine(BrowserFixture.ScreenshotDirectory, $"{name}.png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true });
    }

    public async ValueTask DisposeAsync() => await _context.CloseAsync();
}
