using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Lib.Net.Http.WebPush;
using Lib.Net.Http.WebPush.Authentication;
using MailKit.Security;
using MimeKit;
using Workbench.Web.Webhooks;

namespace Workbench.Web.Notifications;

/// <summary>How one send went. <see cref="Gone"/>: the target no longer exists (a browser unsubscribed) and is removed.</summary>
public sealed record ChannelResult(bool Ok, string? Error = null, bool Gone = false)
{
    public static readonly ChannelResult Success = new(true);
    public static ChannelResult Failed(string error) => new(false, Workbench.Core.Review.TextCut.Head(error, 500));
}

/// <summary>Mail through the configured SMTP server (MailKit), HTML with a text alternative.</summary>
public sealed class EmailChannel(IOptionsMonitor<NotificationOptions> options)
{
    public bool Configured => !string.IsNullOrWhiteSpace(options.CurrentValue.Email.Host);

    public async Task<ChannelResult> SendAsync(string to, MessageRenderers.Mail mail, string messageId, CancellationToken ct)
    {
        var o = options.CurrentValue.Email;
        if (string.IsNullOrWhiteSpace(o.Host))
        {
            return ChannelResult.Failed("No SMTP server is configured (Notifications:Email:Host).");
        }
        try
        {
            var message = new MimeMessage();
            message.From.Add(MailboxAddress.Parse(o.From));
            message.To.Add(MailboxAddress.Parse(to));
            message.Subject = mail.Subject;
            // The same Message-ID on a retry lets a mail system drop a second copy of one notification.
            message.MessageId = messageId;
            message.Headers.Add("Auto-Submitted", "auto-generated");
            message.Body = new BodyBuilder { HtmlBody = mail.Html, TextBody = mail.Text }.ToMessageBody();
            using var smtp = new MailKit.Net.Smtp.SmtpClient { Timeout = (int)options.CurrentValue.Timeout.TotalMilliseconds };
            await smtp.ConnectAsync(o.Host, o.Port, Enum.Parse<SecureSocketOptions>(o.Security, ignoreCase: true), ct);
            if (!string.IsNullOrEmpty(o.UserName))
            {
                await smtp.AuthenticateAsync(o.UserName, o.Password ?? "", ct);
            }
            await smtp.SendAsync(message, ct);
            await smtp.DisconnectAsync(true, ct);
            return ChannelResult.Success;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return ChannelResult.Failed("SMTP: " + ex.GetBaseException().Message);
        }
    }
}

/// <summary>Slack and Teams incoming webhooks: a JSON POST to the channel's URL, through the same target guard as webhooks.</summary>
public sealed class ChatChannel(IHttpClientFactory http, IOptionsMonitor<NotificationOptions> options)
{
    public const string HttpClientName = "notifications";

    public async Task<ChannelResult> PostAsync(string url, JsonObject payload, CancellationToken ct)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || TargetGuard.CheckUrl(uri, options.CurrentValue.AllowPrivateTargets) is { } refused)
        {
            return ChannelResult.Failed("The channel's URL is refused: " + (Uri.TryCreate(url, UriKind.Absolute, out _) ? TargetGuard.CheckUrl(uri!, options.CurrentValue.AllowPrivateTargets) : "not an absolute URL"));
        }
        try
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
            attempt.CancelAfter(options.CurrentValue.Timeout);
            using var content = new StringContent(payload.ToJsonString(), Encoding.UTF8, "application/json");
            using var response = await http.CreateClient(HttpClientName).PostAsync(uri, content, attempt.Token);
            if (response.IsSuccessStatusCode)
            {
                return ChannelResult.Success;
            }
            // Only the answer's start, as text without NUL (PostgreSQL keeps the failure's text in a text column).
            var body = await Webhooks.ResponseStart.ReadAsync(response, 800, attempt.Token) ?? "";
            return ChannelResult.Failed($"HTTP {(int)response.StatusCode}: {Workbench.Core.Review.TextCut.Head(body, 200)}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return ChannelResult.Failed(ex is OperationCanceledException ? "Timed out" : ex.GetBaseException().Message);
        }
    }
}

/// <summary>Browser notifications: Web Push (RFC 8030) with VAPID (RFC 8292), the payload encrypted for the subscription (RFC 8291, aes128gcm).</summary>
public sealed class WebPushChannel(IHttpClientFactory http, IOptionsMonitor<NotificationOptions> options)
{
    public bool Configured => options.CurrentValue.WebPush is { PublicKey.Length: > 0, PrivateKey.Length: > 0 };

    public string? PublicKey => options.CurrentValue.WebPush.PublicKey;

    public async Task<ChannelResult> SendAsync(PushSubscriptionRecord subscription, string payload, string topic, CancellationToken ct)
    {
        var o = options.CurrentValue;
        if (!Configured)
        {
            return ChannelResult.Failed("No VAPID keys are configured (Notifications:WebPush).");
        }
        if (!Uri.TryCreate(subscription.Endpoint, UriKind.Absolute, out var uri) || TargetGuard.CheckUrl(uri, o.AllowPrivateTargets) is not null)
        {
            return new ChannelResult(false, "The subscription's push endpoint is refused by the target guard.", Gone: true);
        }
        try
        {
            var client = new PushServiceClient(http.CreateClient(ChatChannel.HttpClientName))
            {
                DefaultAuthentication = new VapidAuthentication(o.WebPush.PublicKey, o.WebPush.PrivateKey) { Subject = o.WebPush.Subject },
                DefaultAuthenticationScheme = VapidAuthenticationScheme.Vapid,
            };
            var push = new PushSubscription { Endpoint = subscription.Endpoint };
            push.SetKey(PushEncryptionKeyName.P256DH, subscription.P256dh);
            push.SetKey(PushEncryptionKeyName.Auth, subscription.Auth);
            // A topic replaces an undelivered older message of the same subject on the push service.
            var message = new PushMessage(payload) { Topic = topic, TimeToLive = (int)o.RetryFor.TotalSeconds, Urgency = PushMessageUrgency.High };
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
            attempt.CancelAfter(o.Timeout);
            await client.RequestPushMessageDeliveryAsync(push, message, attempt.Token);
            return ChannelResult.Success;
        }
        catch (PushServiceClientException ex)
        {
            var gone = ex.StatusCode is HttpStatusCode.Gone or HttpStatusCode.NotFound;
            return new ChannelResult(false, $"Push service answered {(int)ex.StatusCode}: {ex.Message}", gone);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return ChannelResult.Failed(ex is OperationCanceledException ? "Timed out" : "Push: " + ex.GetBaseException().Message);
        }
    }
}
