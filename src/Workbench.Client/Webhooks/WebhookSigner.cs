using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Workbench.Client;

/// <summary>Signs webhook deliveries the Standard Webhooks way (https://www.standardwebhooks.com).</summary>
public static class WebhookSigner
{
    /// <summary>
    /// Computes the <c>webhook-signature</c> value for one delivery: <c>v1,</c> followed by the base64
    /// HMAC-SHA256 of <c>"{id}.{timestamp}.{body}"</c> keyed with the decoded secret.
    /// </summary>
    /// <param name="secret">The endpoint's secret, <c>whsec_&lt;base64&gt;</c>.</param>
    /// <param name="id">The <c>webhook-id</c>: the same on every retry of one event.</param>
    /// <param name="timestamp">The <c>webhook-timestamp</c> of this attempt (whole unix seconds are signed).</param>
    /// <param name="body">The exact body that is sent.</param>
    /// <returns>The signature, <c>v1,&lt;base64&gt;</c>.</returns>
    public static string Sign(string secret, string id, DateTimeOffset timestamp, string body) =>
        Sign(WebhookSecret.Decode(secret), id, timestamp.ToUnixTimeSeconds(), body);

    internal static string Sign(byte[] key, string id, long unixSeconds, string body) =>
        "v1," + Convert.ToBase64String(Compute(key, id, unixSeconds, body));

    internal static byte[] Compute(byte[] key, string id, long unixSeconds, string body)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(body);
        var signed = Encoding.UTF8.GetBytes($"{id}.{unixSeconds.ToString(CultureInfo.InvariantCulture)}.{body}");
        return HMACSHA256.HashData(key, signed);
    }
}
