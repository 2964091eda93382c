namespace Workbench.Web.Webhooks;

/// <summary><c>Webhooks:*</c>: how the dispatcher sends, retries and gives up.</summary>
public sealed record WebhookOptions
{
    /// <summary>Loopback, link-local and private-range targets (and plain http) are refused unless this is true (Development, tests).</summary>
    public bool AllowPrivateTargets { get; init; }
    /// <summary>Runs the dispatcher on this instance; several instances may run it at once.</summary>
    public bool DispatcherEnabled { get; init; } = true;
    /// <summary>One attempt's whole time, connect to response headers.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>How long a claimed delivery is this instance's; above <see cref="Timeout"/>, so a live sender never loses it.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>The first retry's delay; each further one doubles, with ±20 % jitter, up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromHours(1);
    /// <summary>A delivery still failing this long after its event is dead-lettered (replayable in the admin UI).</summary>
    public TimeSpan RetryFor { get; init; } = TimeSpan.FromHours(26);
    /// <summary>How often the dispatcher looks for work when nothing wakes it.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Deliveries in flight on this instance at once, and per target (so a slow receiver cannot take them all).</summary>
    public int MaxInFlight { get; init; } = 256;
    public int MaxInFlightPerTarget { get; init; } = 32;
    /// <summary>An endpoint whose every attempt has failed for this long (no success in between) is disabled, and admins are told.</summary>
    public TimeSpan DisableAfter { get; init; } = TimeSpan.FromDays(3);
    /// <summary>How long the previous secret keeps signing after a rotation.</summary>
    public TimeSpan RotationOverlap { get; init; } = TimeSpan.FromHours(24);
}
