using System.Security.Cryptography;

namespace Workbench.Web.Admin;

public sealed record ApiKeyView(string Id, string DisplayName, string KeyPrefix, string[] Scopes, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>A client as just created: the only time its API key is shown.</summary>
public sealed record ApiKeySecret(ApiKeyView Client, string ApiKey);

public sealed record CreateApiKeyRequest(string Id, string DisplayName, string[]? Scopes);

/// <summary>
/// An API client as the admin page lists it: who created it (from the audit; null for a seeded one) and when its key
/// was last let in: the stored <c>LastUsedAt</c> (every instance's flushed uses), or this instance's own newer use.
/// </summary>
public sealed record ApiClientOverview(ApiKeyView Client, string? CreatedBy, DateTimeOffset? LastUsedAt);

public sealed record UserView(string UserName, string DisplayName, UserRole Role, string[] Queues, string? Email, string? ObjectId,
    DateTimeOffset? LastSignInAt = null)
{
    /// <summary>Signs in with Entra ID: its role comes from the directory, not from Workbench.</summary>
    public bool FromEntra => ObjectId is not null;
}

public sealed record SetRolesRequest(UserRole? Role, string[]? Queues);

/// <summary>
/// Who may reach Workbench: API clients (their keys) and people (their role and queue memberships). Every change is
/// an audit event in the same transaction, with the admin as actor and never a key or secret in its data.
/// </summary>
public sealed class AccessAdmin(IDbContextFactory<WorkbenchDbContext> dbFactory, TimeProvider time, ApiKeyStore keys, ActivePolicy policy)
{
    private static readonly IReadOnlyList<string> KnownScopes = ApiClaims.All;

    public async Task<IReadOnlyList<ApiKeyView>> ApiKeysAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return (await db.ApiClients.AsNoTracking().OrderBy(c => c.Id).ToListAsync(ct)).Select(View).ToList();
    }

    /// <summary>The clients with their creator (the actor of their <c>api_key.created</c> event) and last use.</summary>
    public async Task<IReadOnlyList<ApiClientOverview>> ApiClientsAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var clients = await db.ApiClients.AsNoTracking().OrderBy(c => c.Id).ToListAsync(ct);
        // A few events (one per key ever created), read through the (Type, Id) index.
        var created = await db.AuditEvents.AsNoTracking().Where(a => a.Type == AuditEventTypes.ApiKeyCreated).OrderBy(a => a.Id)
            .Select(a => new { a.Actor, a.DataJson }).ToListAsync(ct);
        var creators = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in created)
        {
            using var data = System.Text.Json.JsonDocument.Parse(e.DataJson);
            if (data.RootElement.TryGetProperty("clientId", out var id) && id.GetString() is { } clientId)
            {
                creators[clientId] = e.Actor;
            }
        }
        return clients.Select(c => new ApiClientOverview(View(c), creators.GetValueOrDefault(c.Id), Latest(c.LastUsedAt, keys.LastUsed(c.Id)))).ToList();
    }

    private static DateTimeOffset? Latest(DateTimeOffset? stored, DateTimeOffset? here) =>
        stored is null ? here : here is null ? stored : stored > here ? stored : here;

    private static ApiKeyView View(ApiClientRecord c) =>
        new(c.Id, c.DisplayName, c.KeyPrefix, c.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries), c.CreatedAt, c.RevokedAt);

    public async Task<AdminResult<ApiKeySecret>> CreateApiKeyAsync(CreateApiKeyRequest request, string actor, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, string[]>();
        var id = request.Id?.Trim() ?? "";
        if (!Workbench.Core.Cases.ApiClientIds.IsValid(id))
        {
            errors["$.id"] = [Workbench.Core.Cases.ApiClientIds.Rule + "."];
        }
        var name = request.DisplayName?.Trim() ?? "";
        if (name.Length is 0 or > 256)
        {
            errors["$.displayName"] = ["Required, at most 256 characters."];
        }
        var scopes = (request.Scopes ?? []).Select(s => s?.Trim() ?? "").Distinct().ToArray();
        if (scopes.Length == 0 || scopes.Any(s => !KnownScopes.Contains(s)))
        {
            errors["$.scopes"] = [$"One or more of {string.Join(", ", KnownScopes)}."];
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!errors.ContainsKey("$.id") && await db.ApiClients.AnyAsync(c => c.Id == id, ct))
        {
            errors["$.id"] = ["An API client with that id exists already (revoked ones keep their id)."];
        }
        if (errors.Count > 0)
        {
            return new AdminResult<ApiKeySecret>.Invalid(errors);
        }
        var key = "wb_" + Base62(RandomNumberGenerator.GetBytes(24));
        var now = time.GetUtcNow();
        var client = new ApiClientRecord
        {
            Id = id,
            DisplayName = name,
            KeyPrefix = key[..10],
            KeyHash = ApiKeyStore.HashKey(key),
            Scopes = string.Join(' ', scopes),
            CreatedAt = now,
        };
        db.ApiClients.Add(client);
        Audit.AddAdministrative(db, AuditEventTypes.ApiKeyCreated, actor, "admin", now, new { ClientId = id, DisplayName = name, client.KeyPrefix, Scopes = scopes });
        await db.SaveChangesAsync(ct);
        return new AdminResult<ApiKeySecret>.Ok(new ApiKeySecret(View(client), key));
    }

    /// <summary>Revokes a client's key; every instance refuses it within <see cref="ApiKeyStore.CacheFor"/>, this one at once.</summary>
    public async Task<AdminResult<ApiKeyView>> RevokeApiKeyAsync(string id, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var client = await db.ApiClients.FirstOrDefaultAsync(c => c.Id == id, ct);
        if (client is null)
        {
            return new AdminResult<ApiKeyView>.NotFound();
        }
        if (client.RevokedAt is not null)
        {
            return new AdminResult<ApiKeyView>.Invalid(new Dictionary<string, string[]> { ["id"] = ["This key is revoked already."] });
        }
        var now = time.GetUtcNow();
        client.RevokedAt = now;
        Audit.AddAdministrative(db, AuditEventTypes.ApiKeyRevoked, actor, "admin", now, new { ClientId = id, client.KeyPrefix });
        await db.SaveChangesAsync(ct);
        keys.Forget();
        return new AdminResult<ApiKeyView>.Ok(View(client));
    }

    public async Task<IReadOnlyList<UserView>> UsersAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var users = await db.Users.AsNoTracking().Include(u => u.Queues).OrderBy(u => u.UserName).ToListAsync(ct);
        return users.Select(View).ToList();
    }

    private static UserView View(UserRecord u) =>
        new(u.UserName, u.DisplayName, u.Role, [.. u.Queues.Select(q => q.Queue).Order(StringComparer.Ordinal)], u.Email, u.ObjectId, u.LastSignInAt);

    /// <summary>
    /// Sets a person's role and/or queue memberships (a null leaves that part as it is). Takes effect at the person's next
    /// sign-in for the role (it is a claim of the sign-in cookie), at once for queues (read per request).
    /// </summary>
    public async Task<AdminResult<UserView>> SetRolesAsync(string userName, SetRolesRequest request, string actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var user = await db.Users.Include(u => u.Queues).FirstOrDefaultAsync(u => u.UserName == userName, ct);
        if (user is null)
        {
            return new AdminResult<UserView>.NotFound();
        }
        var errors = new Dictionary<string, string[]>();
        if (request.Role is null && request.Queues is null)
        {
            errors["$"] = ["Give a role, queues, or both."];
        }
        if (request.Role is { } r && !Enum.IsDefined(r))
        {
            errors["$.role"] = ["One of reviewer, lead, admin."];
        }
        var queues = CheckQueues(request.Queues, errors);
        if (request.Role is not null && request.Role != user.Role && user.ObjectId is not null)
        {
            errors["$.role"] = ["This person signs in with Entra ID: the role comes from its app roles or groups (Workbench:Auth:Roles); change it there."];
        }
        if (request.Role is not null && request.Role != UserRole.Admin && user.Role == UserRole.Admin && userName == actor)
        {
            errors["$.role"] = ["You cannot take the Admin role from yourself; ask another admin."];
        }
        if (errors.Count > 0)
        {
            return new AdminResult<UserView>.Invalid(errors);
        }
        var before = View(user);
        if (request.Role is { } role)
        {
            user.Role = role;
        }
        if (queues is not null)
        {
            user.Queues.RemoveAll(q => !queues.Contains(q.Queue));
            foreach (var q in queues.Where(q => user.Queues.All(m => m.Queue != q)))
            {
                user.Queues.Add(new QueueMembershipRecord { UserName = user.UserName, Queue = q });
            }
        }
        var after = View(user);
        var now = time.GetUtcNow();
        Audit.AddAdministrative(db, AuditEventTypes.UserRolesChanged, actor, "admin", now, new
        {
            UserName = userName,
            From = new { before.Role, before.Queues },
            To = new { after.Role, after.Queues },
        });
        await db.SaveChangesAsync(ct);
        return new AdminResult<UserView>.Ok(after);
    }

    private string[]? CheckQueues(string[]? requested, Dictionary<string, string[]> errors)
    {
        var queues = requested?.Select(q => q?.Trim() ?? "").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var unknown = queues?.Where(q => policy.Policy.FindQueue(q) is null).ToArray() ?? [];
        if (unknown.Length > 0)
        {
            errors["$.queues"] = [$"Not a queue of the active policy: {string.Join(", ", unknown)}."];
        }
        return queues;
    }

    /// <summary>
    /// The <c>grant-role</c> command: gives a person a role (and, when given, queues), adding the person when there is
    /// none yet — the first admin of a deployment is made this way, before anyone can sign in. A person who exists is
    /// changed as <see cref="SetRolesAsync"/> changes them, under the same rules; a new one is audited as
    /// <c>user.provisioned</c> with the command's actor.
    /// </summary>
    public async Task<AdminResult<UserView>> GrantRoleAsync(string userName, UserRole role, string[]? queues, string? displayName, string actor,
        CancellationToken ct = default)
    {
        var name = userName?.Trim() ?? "";
        var errors = new Dictionary<string, string[]>();
        if (name.Length is 0 or > 128 || name.Any(char.IsControl))
        {
            errors["$.userName"] = ["1 to 128 characters, the name the person signs in with (for Entra ID: the user principal name)."];
        }
        if (!Enum.IsDefined(role))
        {
            errors["$.role"] = ["One of reviewer, lead, admin."];
        }
        var display = string.IsNullOrWhiteSpace(displayName) ? name : displayName.Trim();
        if (display.Length > 256)
        {
            errors["$.displayName"] = ["At most 256 characters."];
        }
        if (errors.Count > 0)
        {
            return new AdminResult<UserView>.Invalid(errors);
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.Users.AnyAsync(u => u.UserName == name, ct))
        {
            return await SetRolesAsync(name, new SetRolesRequest(role, queues), actor, ct);
        }
        var checkedQueues = CheckQueues(queues, errors) ?? [];
        if (errors.Count > 0)
        {
            return new AdminResult<UserView>.Invalid(errors);
        }
        var user = new UserRecord { UserName = name, DisplayName = display, Role = role };
        user.Queues.AddRange(checkedQueues.Select(q => new QueueMembershipRecord { UserName = name, Queue = q }));
        db.Users.Add(user);
        Audit.AddAdministrative(db, AuditEventTypes.UserProvisioned, actor, "admin", time.GetUtcNow(), new
        {
            UserName = name,
            ObjectId = (string?)null,
            Role = role,
            Queues = checkedQueues,
        });
        await db.SaveChangesAsync(ct);
        return new AdminResult<UserView>.Ok(View(user));
    }

    private static string Base62(byte[] bytes)
    {
        const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        var n = new System.Numerics.BigInteger(bytes, isUnsigned: true);
        var sb = new System.Text.StringBuilder();
        while (n > 0)
        {
            sb.Insert(0, Alphabet[(int)(n % 62)]);
            n /= 62;
        }
        return sb.ToString().PadLeft(32, '0');
    }
}
