using Workbench.Contracts;

namespace Workbench.Data.Entities;

// Who may do what, and the policy versions: API clients and their keys, people with their roles and queues, published policies.

/// <summary>An AI system allowed to submit cases. The API key is stored only as a hash.</summary>
public sealed class ApiClientRecord
{
    public required string Id { get; set; }
    public required string DisplayName { get; set; }
    /// <summary>The first characters of the key, shown in the admin UI to tell keys apart.</summary>
    public required string KeyPrefix { get; set; }
    /// <summary>SHA-256 of the whole key, hex.</summary>
    public required string KeyHash { get; set; }
    /// <summary>Space-separated scopes, e.g. <c>cases:submit cases:read</c>.</summary>
    public required string Scopes { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    /// <summary>
    /// When a Workbench instance last let the key in, as flushed by that instance (at most once a minute each); it only
    /// moves forward, whichever instance writes last. Null: no use recorded yet.
    /// </summary>
    public DateTimeOffset? LastUsedAt { get; set; }
}

/// <summary>A person who works in the browser; queue membership limits what a reviewer sees.</summary>
public sealed class UserRecord
{
    public required string UserName { get; set; }
    public required string DisplayName { get; set; }
    public UserRole Role { get; set; }
    /// <summary>Entra ID users: the directory object id (<c>oid</c>), set at each sign-in.</summary>
    public string? ObjectId { get; set; }
    public string? Email { get; set; }
    public DateTimeOffset? LastSignInAt { get; set; }
    public List<QueueMembershipRecord> Queues { get; set; } = [];
}

public sealed class QueueMembershipRecord
{
    public required string UserName { get; set; }
    public required string Queue { get; set; }
    /// <summary>Granted by an Entra ID group or app role (Workbench:Auth:Queues) and kept in step at each sign-in; false: set by an admin or the seed.</summary>
    public bool FromDirectory { get; set; }
}

/// <summary>A published version of the escalation policy (YAML), with who published it and why.</summary>
public sealed class PolicyVersionRecord
{
    public int Id { get; set; }
    public required string Version { get; set; }
    public required string Yaml { get; set; }
    public required string PublishedBy { get; set; }
    public required string Reason { get; set; }
    public DateTimeOffset PublishedAt { get; set; }
    public bool IsActive { get; set; }
}

/// <summary>
/// A person's named view of a queue grid: the filters, the sort and the density, applied in any queue he works.
/// The name is unique per person.
/// </summary>
public sealed class SavedQueueViewRecord
{
    public Guid Id { get; set; }
    public required string UserName { get; set; }
    public required string Name { get; set; }
    public string? ReasonCode { get; set; }
    public int? Tier { get; set; }
    public string? Workflow { get; set; }
    /// <summary><c>all</c>, <c>claimed</c> or <c>unclaimed</c>.</summary>
    public required string Claim { get; set; }
    public string? Text { get; set; }
    /// <summary>The sort's URL token (<c>sla</c>, <c>newest</c>, …).</summary>
    public required string Sort { get; set; }
    /// <summary><c>compact</c> or <c>comfortable</c>.</summary>
    public required string Density { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>How a person likes the queue grid when no view says otherwise: remembered across sessions and devices.</summary>
public sealed class QueuePreferenceRecord
{
    public required string UserName { get; set; }
    /// <summary><c>compact</c> or <c>comfortable</c>.</summary>
    public required string Density { get; set; }
}
