namespace Workbench.Web.Notifications;

/// <summary><c>Notifications:*</c>: when people are told, how messages go out, and the channels' settings.</summary>
public sealed record NotificationOptions
{
    /// <summary>Runs the planner and the sender on this instance; several instances may run them at once.</summary>
    public bool Enabled { get; init; } = true;
    /// <summary>The address people open Workbench at (links in mails and cards); without it no message carries a link.</summary>
    public string? PublicBaseUrl { get; init; }
    /// <summary>How often the planner reads new audit events and runs the scheduled checks when nothing wakes it.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>How long a link in a message opens its case.</summary>
    public TimeSpan LinkLifetime { get; init; } = TimeSpan.FromHours(24);
    /// <summary>A queue whose oldest case has waited this long with nobody claiming or acting in it is reported idle.</summary>
    public TimeSpan QueueIdleAfter { get; init; } = TimeSpan.FromMinutes(30);
    /// <summary>A breached case nobody picked up goes to the next person of its queue's escalation chain after this long.</summary>
    public TimeSpan EscalateEvery { get; init; } = TimeSpan.FromMinutes(30);
    /// <summary>Admins are told when a webhook endpoint has failed for this long without a success.</summary>
    public TimeSpan WebhookFailingAfter { get; init; } = TimeSpan.FromHours(1);
    /// <summary>A message still failing on every channel this long after it was planned is given up (shown on the admin page).</summary>
    public TimeSpan RetryFor { get; init; } = TimeSpan.FromHours(24);
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(15);
    /// <summary>Slack, Teams and push targets on loopback or private addresses, and plain http (Development, tests).</summary>
    public bool AllowPrivateTargets { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
    public EmailOptions Email { get; init; } = new();
    public WebPushOptions WebPush { get; init; } = new();
}

/// <summary><c>Notifications:Email:*</c>: the SMTP server mails go through (MailKit). No host: no mail.</summary>
public sealed record EmailOptions
{
    public string? Host { get; init; }
    public int Port { get; init; } = 587;
    /// <summary><c>Auto</c>, <c>None</c>, <c>StartTls</c>, <c>StartTlsWhenAvailable</c> or <c>SslOnConnect</c> (MailKit's SecureSocketOptions).</summary>
    public string Security { get; init; } = "Auto";
    public string? UserName { get; init; }
    public string? Password { get; init; }
    public string From { get; init; } = "Workbench <workbench@localhost>";
}

/// <summary><c>Notifications:WebPush:*</c>: the VAPID key pair (base64url, P-256) and contact. No keys: no browser notifications.</summary>
public sealed record WebPushOptions
{
    public string? PublicKey { get; init; }
    public string? PrivateKey { get; init; }
    public string Subject { get; init; } = "mailto:workbench@localhost";
}
