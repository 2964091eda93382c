using System.Security.Claims;

namespace Workbench.Web.Auth;

/// <summary>Who the users are and which queues each may work (Leads and Admins: all).</summary>
public sealed class ReviewerDirectory(IDbContextFactory<WorkbenchDbContext> dbFactory)
{
    public async Task<Data.Entities.UserRecord?> FindAsync(string userName, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Users.AsNoTracking().Include(u => u.Queues).FirstOrDefaultAsync(u => u.UserName == userName, ct);
    }

    /// <summary>The development sign-in's counterpart of what EntraUserSync records at an Entra sign-in (the admin's People page shows it).</summary>
    public async Task RecordSignInAsync(string userName, DateTimeOffset at, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Users.Where(u => u.UserName == userName).ExecuteUpdateAsync(u => u.SetProperty(x => x.LastSignInAt, at), ct);
    }

    public async Task<IReadOnlyList<Data.Entities.UserRecord>> AllAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var users = await db.Users.AsNoTracking().Include(u => u.Queues).ToListAsync(ct);
        return users.OrderBy(u => u.Role).ThenBy(u => u.UserName, StringComparer.Ordinal).ToList(); // reviewers first

    }

    /// <summary>The acting reviewer with the queues he may work.</summary>
    public async Task<ReviewerIdentity> IdentityAsync(ClaimsPrincipal user, CancellationToken ct) =>
        new(user.Identity?.Name ?? throw new InvalidOperationException("Not signed in."),
            user.IsInRole(nameof(UserRole.Lead)), await QueuesOfAsync(user, ct));

    public static ReviewerIdentity IdentityOf(Data.Entities.UserRecord user) =>
        new(user.UserName, user.Role == UserRole.Lead,
            user.Role is UserRole.Lead or UserRole.Admin ? null : user.Queues.Select(q => q.Queue).ToHashSet(StringComparer.Ordinal));

    /// <summary>Null means every queue.</summary>
    public async Task<IReadOnlySet<string>?> QueuesOfAsync(ClaimsPrincipal user, CancellationToken ct)
    {
        if (user.IsInRole(nameof(UserRole.Lead)) || user.IsInRole(nameof(UserRole.Admin)))
        {
            return null;
        }
        var name = user.Identity?.Name;
        if (name is null)
        {
            return new HashSet<string>();
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var queues = await db.QueueMemberships.AsNoTracking().Where(q => q.UserName == name).Select(q => q.Queue).ToListAsync(ct);
        // Entra ID users may also get queues from mapped groups or app roles (Workbench:Auth:Queues).
        queues.AddRange(user.FindAll(WorkbenchClaims.Queue).Select(c => c.Value));
        return queues.ToHashSet(StringComparer.Ordinal);
    }
}
