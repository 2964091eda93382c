using System.Threading.Channels;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Workbench.Web.Auth;

namespace Workbench.Web.Live;

/// <summary>
/// What a reviewer's connection receives (method <c>caseEvent</c>): ids and changed fields, never the case.
/// <see cref="Group"/> is the subscription it came through (<c>queue:support</c>, <c>case:…</c>): a connection gets each
/// event once per group it joined that the event concerns — a case routed between two queues it watches arrives once
/// as leaving one and once as entering the other.
/// </summary>
public sealed record HubCaseEvent(string Kind, Guid CaseId, string? Queue, string? PreviousQueue, CaseStatus Status, string? Actor, DateTimeOffset At, string Group);

/// <summary>What an API client receives about its own case (method <c>caseUpdate</c>): no reviewer names, no queues.</summary>
public sealed record HubClientCaseEvent(string Kind, Guid CaseId, CaseStatus Status, DateTimeOffset At);

/// <summary>
/// <c>/hubs/queues</c>: groups per queue and per case. Reviewers (the sign-in cookie) join the queues they may work
/// (leads and admins: all) and the cases of those queues; API clients (API key or Entra token with
/// <c>cases:read</c>) join only their own cases. A refused join is a <see cref="HubException"/> and joins nothing.
/// Membership is checked when joining; a reviewer removed from a queue stops receiving it on his next connection.
/// </summary>
[Authorize(Policy = QueuesHub.Policy)]
public sealed class QueuesHub(ReviewerDirectory directory, ActivePolicy policy, IDbContextFactory<WorkbenchDbContext> dbFactory) : Hub
{
    public const string Path = "/hubs/queues";
    public const string Policy = "hub";
    /// <summary>Picks the sign-in cookie or the API scheme from the request (one challenge, never two).</summary>
    public const string Scheme = "hub";
    public const string ReviewerMethod = "caseEvent";
    public const string ClientMethod = "caseUpdate";

    public static string QueueGroup(string queue) => "queue:" + queue;
    public static string CaseGroup(Guid id) => "case:" + id.ToString("N");
    public static string ClientCaseGroup(Guid id) => "client-case:" + id.ToString("N");

    public async Task JoinQueue(string queue)
    {
        if (ApiClaims.ClientOf(Context.User!) is not null)
        {
            throw new HubException("API clients subscribe to their own cases (JoinCase), not to queues.");
        }
        if (string.IsNullOrWhiteSpace(queue) || policy.Policy.FindQueue(queue) is null)
        {
            throw new HubException($"There is no queue named '{Truncate(queue)}' that you may work.");
        }
        var queues = await directory.QueuesOfAsync(Context.User!, Context.ConnectionAborted);
        if (queues is not null && !queues.Contains(queue))
        {
            throw new HubException($"There is no queue named '{Truncate(queue)}' that you may work.");
        }
        await Groups.AddToGroupAsync(Context.ConnectionId, QueueGroup(queue), Context.ConnectionAborted);
    }

    public Task LeaveQueue(string queue) => Groups.RemoveFromGroupAsync(Context.ConnectionId, QueueGroup(queue ?? ""), Context.ConnectionAborted);

    public async Task JoinCase(Guid caseId)
    {
        var user = Context.User!;
        await using var db = await dbFactory.CreateDbContextAsync(Context.ConnectionAborted);
        var c = await db.Cases.AsNoTracking().Where(x => x.Id == caseId).Select(x => new { x.ClientId, x.Queue }).FirstOrDefaultAsync(Context.ConnectionAborted);
        if (ApiClaims.ClientOf(user) is { } client)
        {
            if (!user.HasClaim(ApiClaims.Scope, ApiClaims.ReadScope))
            {
                throw new HubException("This client's credentials do not grant cases:read.");
            }
            // Another client's case is "not found", exactly as GET /api/v1/cases/{id} says.
            if (c is null || c.ClientId != client)
            {
                throw new HubException($"There is no case {caseId} for this client.");
            }
            await Groups.AddToGroupAsync(Context.ConnectionId, ClientCaseGroup(caseId), Context.ConnectionAborted);
            return;
        }
        var queues = await directory.QueuesOfAsync(user, Context.ConnectionAborted);
        if (c is null || (queues is not null && (c.Queue is null || !queues.Contains(c.Queue))))
        {
            throw new HubException($"There is no case {caseId} that you may see.");
        }
        await Groups.AddToGroupAsync(Context.ConnectionId, CaseGroup(caseId), Context.ConnectionAborted);
    }

    public async Task LeaveCase(Guid caseId)
    {
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, CaseGroup(caseId), Context.ConnectionAborted);
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, ClientCaseGroup(caseId), Context.ConnectionAborted);
    }

    private static string Truncate(string? s) => s is null ? "" : Workbench.Core.Review.TextCut.Shorten(s, 65);
}

/// <summary>
/// Sends case events to the hub's groups. It forwards only the events that happen on this instance
/// (<see cref="CaseEvents.SubscribeToOrigin"/>): with <c>Redis:Connection</c> the hub's Redis backplane carries each
/// group message to the connections of every instance, so an event relayed from another instance was already sent
/// there — forwarding it again would deliver it once per instance. A channel keeps the publisher (which runs
/// right after a commit) from waiting on the network, and keeps the events of one instance in order.
/// </summary>
public sealed class HubForwarder(
    CaseEvents events, IHubContext<QueuesHub> hub, IDbContextFactory<WorkbenchDbContext> dbFactory, TimeProvider time, ILogger<HubForwarder> logger,
    RedisCaseEventRelay? relay = null)
    : BackgroundService
{
    /// <summary>What an API client hears about its own case: the changes it acts upon.</summary>
    public static readonly IReadOnlySet<string> ClientKinds = new HashSet<string>(StringComparer.Ordinal)
    {
        CaseEventKinds.Decided, CaseEventKinds.InfoRequested, CaseEventKinds.ReplyReceived, CaseEventKinds.Withdrawn, CaseEventKinds.Expired,
    };

    private readonly Channel<CaseEvent> _pending = Channel.CreateUnbounded<CaseEvent>(new UnboundedChannelOptions { SingleReader = true });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = events.SubscribeToOrigin(e =>
        {
            if (e.Kind != CaseEventKinds.Presence)
            {
                _pending.Writer.TryWrite(e);
            }
        });
        await foreach (var e in _pending.Reader.ReadAllAsync(stoppingToken))
        {
            if (relay is { IsDown: true })
            {
                // The backplane carries every group message, local ones too: with Redis down none can be sent, and
                // each attempt would wait out the client's timeout while the events pile up behind it.
                logger.LogDebug("{Kind} of case {CaseId} not sent to the hub: Redis does not answer", e.Kind, e.CaseId);
                continue;
            }
            try
            {
                await SendAsync(e, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Like the relay: the change is committed; a lost message costs freshness, never the action. A Redis
                // that has just gone away is the relay's to report (once), not this loop's (once per event).
                if (ex is StackExchange.Redis.RedisException)
                {
                    logger.LogDebug("Sending {Kind} of case {CaseId} to the hub failed: {Error}", e.Kind, e.CaseId, ex.Message.Split('\n')[0]);
                }
                else
                {
                    logger.LogWarning(ex, "Sending {Kind} of case {CaseId} to the hub failed", e.Kind, e.CaseId);
                }
            }
        }
    }

    private async Task SendAsync(CaseEvent e, CancellationToken ct)
    {
        var groups = new List<string>(3);
        if (e.Queue is not null)
        {
            groups.Add(QueuesHub.QueueGroup(e.Queue));
        }
        if (e.PreviousQueue is not null && e.PreviousQueue != e.Queue)
        {
            groups.Add(QueuesHub.QueueGroup(e.PreviousQueue));
        }
        groups.Add(QueuesHub.CaseGroup(e.CaseId));
        foreach (var group in groups)
        {
            await hub.Clients.Group(group).SendAsync(QueuesHub.ReviewerMethod,
                new HubCaseEvent(e.Kind, e.CaseId, e.Queue, e.PreviousQueue, e.Status, e.Actor, e.At, group), ct);
        }
        if (e.Kind == CaseEventKinds.Decided && e.ReleaseAt is { } releaseAt && releaseAt > time.GetUtcNow())
        {
            _ = SendWhenReleasedAsync(e, releaseAt, ct);
        }
        else if (ClientKinds.Contains(e.Kind))
        {
            await SendToClientAsync(e, ct);
        }
    }

    private Task SendToClientAsync(CaseEvent e, CancellationToken ct) =>
        hub.Clients.Group(QueuesHub.ClientCaseGroup(e.CaseId)).SendAsync(QueuesHub.ClientMethod, new HubClientCaseEvent(e.Kind, e.CaseId, e.Status, e.At), ct);

    /// <summary>
    /// The AI system hears of a decision when its undo window ends, and only if it was not undone meanwhile (on any
    /// instance: the case is read again). Only the deciding instance forwards its own events, so this happens once; a
    /// crash in between loses this freshness message, never the decision (the webhook and the long-poll carry it).
    /// </summary>
    private async Task SendWhenReleasedAsync(CaseEvent e, DateTimeOffset releaseAt, CancellationToken ct)
    {
        try
        {
            // Read the clock once: the window may have ended since the caller looked, and a delay under -1 ms throws.
            var wait = releaseAt - time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, ct);
            }
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            // Decided and out of its window: a decision undone and made again has a later window of its own.
            var now = time.GetUtcNow();
            if (await db.Cases.AsNoTracking().AnyAsync(c => c.Id == e.CaseId && c.Status == CaseStatus.Decided && c.ReleaseAt <= now, ct))
            {
                await SendToClientAsync(e, ct);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Sending the released decision of case {CaseId} to the hub failed", e.CaseId);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
