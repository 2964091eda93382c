using Workbench.Contracts;

namespace Workbench.Data.Entities;

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
