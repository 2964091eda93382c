namespace Workbench.Web.Cases;

public sealed record QueueInfo(string Name, string Title, string Description);

/// <summary>The queues that exist; they are defined by the active escalation policy.</summary>
public interface IQueueCatalog
{
    IReadOnlyList<QueueInfo> Queues { get; }

    QueueInfo? Find(string name) => Queues.FirstOrDefault(q => q.Name == name);
}
