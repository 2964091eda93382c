using System.Security.Claims;

namespace Workbench.Web.Auth;

/// <summary>
/// Writes an Entra ID person to <c>users</c> at each sign-in (after the role mapping), so that people who only ever
/// signed in with Entra appear where the table is read: assignment, presence, the audit's actors. The directory owns
/// the role and the queues it grants (memberships marked <see cref="QueueMembershipRecord.FromDirectory"/>, added and
/// removed to match the sign-in); memberships an admin set stay. A first sign-in is audited as <c>user.provisioned</c>,
/// a role or directory-queue change as <c>user.roles_changed</c> with actor <c>entra-id</c>.
/// </summary>
public sealed class EntraUserSync(IDbContextFactory<WorkbenchDbContext> dbFactory, TimeProvider time, ILogger<EntraUserSync> logger)
{
    public const string Actor = "entra-id";
    private const string ObjectIdClaim = "http://schemas.microsoft.com/identity/claims/objectidentifier";

    /// <summary>Null when the sign-in carries no user name or no mapped Workbench role (such a person may do nothing here).</summary>
    public async Task<UserRecord?> UpsertAsync(ClaimsPrincipal principal, CancellationToken ct = default)
    {
        var userName = principal.Identity?.Name;
        var role = principal.FindFirst(ClaimTypes.Role)?.Value is { } r && Enum.TryParse<UserRole>(r, out var parsed) ? parsed : (UserRole?)null;
        if (string.IsNullOrWhiteSpace(userName) || role is null)
        {
            logger.LogInformation("Entra ID sign-in without a user name or a mapped Workbench role: not written to users.");
            return null;
        }
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await UpsertOnceAsync(principal, userName, role.Value, ct);
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                // Two first sign-ins of the same person at once: the other one inserted the row; read it and update.
            }
        }
    }

    private async Task<UserRecord> UpsertOnceAsync(ClaimsPrincipal principal, string userName, UserRole role, CancellationToken ct)
    {
        var displayName = Clip(principal.FindFirst(WorkbenchClaims.DisplayName)?.Value ?? principal.FindFirst("name")?.Value ?? userName, 256)!;
        var email = Clip(principal.FindFirst("email")?.Value ?? principal.FindFirst(ClaimTypes.Email)?.Value
            ?? (userName.Contains('@') ? userName : null), 320);
        var objectId = Clip(principal.FindFirst("oid")?.Value ?? principal.FindFirst(ObjectIdClaim)?.Value, 64);
        var directoryQueues = principal.FindAll(WorkbenchClaims.Queue).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        var user = await db.Users.Include(u => u.Queues).FirstOrDefaultAsync(u => u.UserName == userName, ct);
        if (user is null)
        {
            user = new UserRecord { UserName = userName, DisplayName = displayName, Role = role };
            user.Queues.AddRange(directoryQueues.Order(StringComparer.Ordinal)
                .Select(q => new QueueMembershipRecord { UserName = userName, Queue = q, FromDirectory = true }));
            db.Users.Add(user);
            Audit.AddAdministrative(db, AuditEventTypes.UserProvisioned, Actor, "system", now, new
            {
                UserName = userName,
                ObjectId = objectId,
                Role = role,
                Queues = Queues(user),
            });
        }
        else
        {
            var before = (user.Role, Queues: Queues(user));
            user.Role = role;
            user.Queues.RemoveAll(m => m.FromDirectory && !directoryQueues.Contains(m.Queue));
            foreach (var q in directoryQueues.Where(q => user.Queues.All(m => m.Queue != q)))
            {
                user.Queues.Add(new QueueMembershipRecord { UserName = userName, Queue = q, FromDirectory = true });
            }
            var after = (user.Role, Queues: Queues(user));
            if (before.Role != after.Role || !before.Queues.SequenceEqual(after.Queues))
            {
                Audit.AddAdministrative(db, AuditEventTypes.UserRolesChanged, Actor, "system", now, new
                {
                    UserName = userName,
                    From = new { before.Role, before.Queues },
                    To = new { after.Role, after.Queues },
                });
            }
            user.DisplayName = displayName;
        }
        user.Email = email;
        user.ObjectId = objectId;
        user.LastSignInAt = now;
        await db.SaveChangesAsync(ct);
        return user;
    }

    private static string[] Queues(UserRecord u) => [.. u.Queues.Select(q => q.Queue).Order(StringComparer.Ordinal)];

    private static string? Clip(string? s, int max) => s is null ? null : Workbench.Core.Review.TextCut.Head(s, max);
}
