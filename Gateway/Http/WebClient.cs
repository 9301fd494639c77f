using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace OrleansIm.Gateway.Http;

/// <summary>
/// The browser client at <c>/</c>: static files embedded in this assembly (<c>wwwroot/</c>), on the same origin
/// as <c>/im</c>. Responses are revalidated on every load (ETag), so a new server version is picked up at once,
/// and the page may only load its own scripts and talk to its own origin.
/// </summary>
public static class WebClient
{
    private const string ContentSecurityPolicy =
        "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    public static void UseWebClient(this IApplicationBuilder app)
    {
        var files = new ManifestEmbeddedFileProvider(typeof(WebClient).Assembly, "wwwroot");
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            ContentTypeProvider = new FileExtensionContentTypeProvider(),
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.CacheControl = "no-cache";
                headers["X-Content-Type-Options"] = "nosniff";
                headers["Content-Security-Policy"] = ContentSecurityPolicy;
                headers["Referrer-Policy"] = "no-referrer";
            },
        });
    }
}
