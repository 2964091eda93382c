using System.Globalization;
using System.Security.Cryptography;

namespace Workbench.Client;

/// <summary>
/// Verifies Workbench webhook deliveries the Standard Webhooks way (https://www.standardwebhooks.com): the
/// <c>webhook-signature</c> header must hold a <c>v1</c> HMAC-SHA256 of <c>"{webhook-id}.{webhook-timestamp}.{body}"</c>
/// under the endpoint's secret, and the timestamp must be recent.
/// </summary>
public sealed class WebhookVerifier
{
    /// <summary>How far the timestamp may be from now, either way, unless the constructor says otherwise.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    private const string IdHeader = "webhook-id";
    private const string TimestampHeader = "webhook-timestamp";
    private const string SignatureHeader = "webhook-signature";
    private const string VersionPrefix = "v1,";

    private readonly byte[] _key;
    private readonly TimeSpan _tolerance;

    /// <summary>Creates a verifier for one endpoint's secret.</summary>
    /// <param name="secret">The secret shown when the webhook was registered, <c>whsec_&lt;base64&gt;</c>.</param>
    /// <param name="tolerance">How far the timestamp may be from now, either way; 5 minutes when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The secret is not <c>whsec_&lt;base64&gt;</c>.</exception>
    public WebhookVerifier(string secret, TimeSpan? tolerance = null)
    {
        _key = WebhookSecret.Decode(secret);
        _tolerance = tolerance ?? DefaultTolerance;
        if (_tolerance < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(tolerance), "The tolerance cannot be negative.");
        }
    }

    /// <summary>Verifies a delivery against the current time.</summary>
    /// <param name="headers">The request headers; names are matched case-insensitively.</param>
    /// <param name="body">The raw request body, exactly as received (not re-serialized).</param>
    /// <returns>The verified message.</returns>
    /// <exception cref="WebhookVerificationException">A header is missing, the timestamp is malformed or outside the tolerance, or no signature matches.</exception>
    public WebhookMessage Verify(IReadOnlyDictionary<string, string> headers, string body) =>
        Verify(headers, body, TimeProvider.System.GetUtcNow());

    /// <summary>Verifies a delivery against the time of <paramref name="timeProvider"/>.</summary>
    /// <param name="headers">The request headers; names are matched case-insensitively.</param>
    /// <param name="body">The raw request body, exactly as received.</param>
    /// <param name="timeProvider">The clock to check the timestamp against.</param>
    /// <returns>The verified message.</returns>
    /// <exception cref="WebhookVerificationException">The delivery is not authentic or not recent.</exception>
    public WebhookMessage Verify(IReadOnlyDictionary<string, string> headers, string body, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        return Verify(headers, body, timeProvider.GetUtcNow());
    }

    /// <summary>Verifies a delivery as if the time were <paramref name="now"/>.</summary>
    /// <param name="headers">The request headers; names are matched case-insensitively.</param>
    /// <param name="body">The raw request body, exactly as received.</param>
    /// <param name="now">The time to check the timestamp against.</param>
    /// <returns>The verified message.</returns>
    /// <exception cref="WebhookVerificationException">The delivery is not authentic or not recent.</exception>
    public WebhookMessage Verify(IReadOnlyDictionary<string, string> headers, string body, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(body);

        var id = Header(headers, IdHeader);
        var timestampText = Header(headers, TimestampHeader);
        var signatures = Header(headers, SignatureHeader);

        if (!long.TryParse(timestampText, NumberStyles.None, CultureInfo.InvariantCulture, out var unixSeconds)
            || unixSeconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            throw new WebhookVerificationException(
                $"The {TimestampHeader} header '{timestampText}' is not a unix time in seconds.");
        }

        var timestamp = DateTimeOffset.FromUnixTimeSeconds(unixSeconds);
        if (now - timestamp > _tolerance)
        {
            throw new WebhookVerificationException(
                $"The {TimestampHeader} {timestamp:O} is older than the tolerance of {_tolerance} (a replay, or a clock far off).");
        }

        if (timestamp - now > _tolerance)
        {
            throw new WebhookVerificationException(
                $"The {TimestampHeader} {timestamp:O} is further in the future than the tolerance of {_tolerance}.");
        }

        // Verified before the id or body is trusted for anything; every candidate is compared in constant time.
        var expected = WebhookSigner.Compute(_key, id, unixSeconds, body);
        var matched = false;
        foreach (var candidate in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!candidate.StartsWith(VersionPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var actual = new byte[expected.Length + 1];
            if (Convert.TryFromBase64String(candidate[VersionPrefix.Length..], actual, out var written)
                && written == expected.Length
                && CryptographicOperations.FixedTimeEquals(actual.AsSpan(0, written), expected))
            {
                matched = true;
            }
        }

        if (!matched)
        {
            throw new WebhookVerificationException(
                $"No v1 signature in the {SignatureHeader} header matches the body: wrong secret, or the body was altered.");
        }

        return new WebhookMessage(id, timestamp, body);
    }

    private static string Header(IReadOnlyDictionary<string, string> headers, string name)
    {
        if (headers.TryGetValue(name, out var exact) && !string.IsNullOrWhiteSpace(exact))
        {
            return exact.Trim();
        }

        foreach (var (key, value) in headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(value))
            {
                return value.Trim();
            }
        }

        throw new WebhookVerificationException($"The {name} header is missing.");
    }
}
