using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Workbench.Web.Notifications;

/// <summary>What opening a link came to.</summary>
public enum LinkOutcome
{
    Opened,
    Invalid,
    Expired,
    Used,
    OtherPerson,
}

/// <summary>
/// Links into Workbench in mails and browser notifications. A link carries a token signed (and encrypted) with Data
/// Protection, holding its expiry, (whose key ring every instance shares) around the id of a <see cref="NotificationLinkRecord"/>; the record
/// names the person and the page. Opening it (<c>GET /go/{token}</c>) needs the normal sign-in first, and then only
/// leads to the page: it never decides, claims or changes a case. The record is used once (a compare-and-set on
/// <c>UsedAt</c>) and only by its person, so a link scanner that fetches it (not signed in: it gets the sign-in page and
/// the token stays unused) or a forwarded mail opens nothing for anyone else. See docs/security.md.
/// </summary>
public sealed class SafeLinks(IDataProtectionProvider protection, IDbContextFactory<WorkbenchDbContext> dbFactory, TimeProvider time,
    IOptionsMonitor<NotificationOptions> options)
{
    private const string Purpose = "Workbench.Notifications.Link.v1";

    private IDataProtector Protector => protection.CreateProtector(Purpose);

    /// <summary>A new link for a person to a local path; the record is added to <paramref name="db"/> (saved by the caller).</summary>
    public string? Create(WorkbenchDbContext db, string userName, string path, Guid? caseId, long? notificationId)
    {
        if (options.CurrentValue.PublicBaseUrl is not { Length: > 0 } baseUrl || !IsLocalPath(path))
        {
            return null;
        }
        var now = time.GetUtcNow();
        var lifetime = options.CurrentValue.LinkLifetime;
        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        db.NotificationLinks.Add(new NotificationLinkRecord
        {
            Id = id,
            NotificationId = notificationId,
            UserName = userName,
            CaseId = caseId ?? Guid.Empty,
            Path = path,
            CreatedAt = now,
            ExpiresAt = now + lifetime,
        });
        return $"{baseUrl.TrimEnd('/')}/go/{Token(id, now + lifetime)}";
    }

    /// <summary>A plain link to a page, for a channel many people read (Slack, Teams): signing in and the page's own rules guard it.</summary>
    public string? Plain(string path) =>
        options.CurrentValue.PublicBaseUrl is { Length: > 0 } baseUrl && IsLocalPath(path) ? baseUrl.TrimEnd('/') + path : null;

    /// <summary>Uses a link for the signed-in person: the page to open, or why not.</summary>
    public async Task<(LinkOutcome Outcome, string? Path)> OpenAsync(string token, string userName, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (Read(token) is not var (id, expires))
        {
            return (LinkOutcome.Invalid, null); // not made here, or changed
        }
        if (expires <= now)
        {
            return (LinkOutcome.Expired, null);
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var link = await db.NotificationLinks.FirstOrDefaultAsync(l => l.Id == id, ct);
        if (link is null)
        {
            return (LinkOutcome.Invalid, null);
        }
        if (!string.Equals(link.UserName, userName, StringComparison.Ordinal))
        {
            return (LinkOutcome.OtherPerson, null);
        }
        if (link.ExpiresAt <= now)
        {
            return (LinkOutcome.Expired, link.Path);
        }
        if (link.UsedAt is not null)
        {
            return (LinkOutcome.Used, link.Path);
        }
        link.UsedAt = now;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return (LinkOutcome.Used, link.Path);
        }
        return (LinkOutcome.Opened, link.Path);
    }

    private string Token(string id, DateTimeOffset expires) =>
        Protector.Protect($"{id}|{expires.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)}");

    /// <summary>The link id and expiry a token carries, or null when its signature does not hold.</summary>
    private (string Id, DateTimeOffset Expires)? Read(string token)
    {
        try
        {
            var parts = Protector.Unprotect(token).Split('|');
            return parts.Length == 2 && long.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var unix)
                ? (parts[0], DateTimeOffset.FromUnixTimeSeconds(unix))
                : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    public static bool IsLocalPath(string path) =>
        path.StartsWith('/') && !path.StartsWith("//", StringComparison.Ordinal) && !path.StartsWith("/\\", StringComparison.Ordinal) && !path.Contains("://", StringComparison.Ordinal);
}
