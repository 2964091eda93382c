namespace Workbench.Client;

/// <summary>A webhook delivery failed verification: answer it with 400 or 401 and do not act on it.</summary>
public sealed class WebhookVerificationException : Exception
{
    /// <summary>Creates the exception with the reason the delivery was refused.</summary>
    /// <param name="message">Why the delivery was refused.</param>
    public WebhookVerificationException(string message)
        : base(message)
    {
    }
}
