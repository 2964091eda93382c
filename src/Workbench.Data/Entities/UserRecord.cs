using Workbench.Core.Cases;

namespace Workbench.Data.Entities;

/// <summary>A person who works in the browser; queue membership limits what a reviewer sees.</summary>
public sealed class UserRecord
{
    public required string UserName { get; set; }
    public required string DisplayName { get; set; }
    public UserRole Role { get; set; }
    public List<QueueMembershipRecord> Queues { get; set; } = [];
}

public sealed class QueueMembershipRecord
{
    public required string UserName { get; set; }
    public required string Queue { get; set; }
}
