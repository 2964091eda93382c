namespace Workbench.Client;

internal static class WebhookSecret
{
    private const string Prefix = "whsec_";

    /// <summary>The HMAC key of a <c>whsec_&lt;base64&gt;</c> secret: the base64-decoded part.</summary>
    public static byte[] Decode(string secret)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(secret);
        var encoded = secret.StartsWith(Prefix, StringComparison.Ordinal) ? secret[Prefix.Length..] : secret;
        try
        {
            var key = Convert.FromBase64String(encoded);
            return key.Length > 0 ? key : throw new ArgumentException("The webhook secret is empty.", nameof(secret));
        }
        catch (FormatException)
        {
            throw new ArgumentException("A webhook secret has the form whsec_<base64>.", nameof(secret));
        }
    }
}
