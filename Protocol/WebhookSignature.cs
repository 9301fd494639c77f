using System.Security.Cryptography;
using System.Text;

namespace OrleansIm.Protocol;

/// <summary>
/// The signature of a webhook or moderation POST: <c>X-OrleansIm-Timestamp</c> is the Unix time in seconds when it was sent, and
/// <c>X-OrleansIm-Signature</c> is <c>v1=</c> and the lowercase hex HMAC-SHA256, keyed with the secret, of the
/// timestamp, a dot and the body's bytes.
/// </summary>
public static class WebhookSignature
{
    public const string TimestampHeader = "X-OrleansIm-Timestamp";

    public const string SignatureHeader = "X-OrleansIm-Signature";

    public static string Sign(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.ASCII.GetBytes(timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return "v1=" + Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed)).ToLowerInvariant();
    }

    /// <summary>
    /// Whether <paramref name="signature"/> is this body's signature at <paramref name="timestamp"/>, made no more
    /// than <paramref name="tolerance"/> from <paramref name="now"/> (an old signature replayed is refused).
    /// </summary>
    public static bool Verify(string secret, string? timestamp, string? signature, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (!long.TryParse(timestamp, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) || signature is null)
        {
            return false;
        }

        if (Math.Abs(now.ToUnixTimeSeconds() - seconds) > tolerance.TotalSeconds)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(secret, seconds, body));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature));
    }
}
