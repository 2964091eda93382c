namespace Workbench.Web.Auth;

/// <summary>Who is acting and which queues he may work (null: every queue — leads).</summary>
public sealed record ReviewerIdentity(string UserName, bool IsLead, IReadOnlySet<string>? Queues)
{
    public bool MayWork(string? queue) => Queues is null || (queue is not null && Queues.Contains(queue));
}
