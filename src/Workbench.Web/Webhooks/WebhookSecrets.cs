using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Workbench.Web.Webhooks;

/// <summary>Endpoint secrets: made here, shown once, stored only through Data Protection.</summary>
public sealed class WebhookSecrets(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("Workbench.Webhooks.EndpointSecret.v1");

    public static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);

    /// <summary>The secrets that sign a delivery now: the current one, and the previous one during its overlap.</summary>
    public string[] SigningSecrets(WebhookEndpointRecord endpoint, DateTimeOffset now) =>
        endpoint.PreviousSecretProtected is { } previous && endpoint.PreviousSecretExpiresAt > now
            ? [Unprotect(endpoint.SecretProtected), Unprotect(previous)]
            : [Unprotect(endpoint.SecretProtected)];
}
