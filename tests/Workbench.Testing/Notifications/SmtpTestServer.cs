using System.Net;
using MimeKit;
using netDumbster.smtp;

namespace Workbench.Testing.Notifications;

/// <summary>A real SMTP server on 127.0.0.1 (netDumbster) that keeps every mail it is sent, parsed with MimeKit.</summary>
public sealed class SmtpTestServer : IDisposable
{
    private readonly SimpleSmtpServer _server;

    public SmtpTestServer(int? port = null)
    {
        Port = port ?? Processes.FreePort();
        _server = Configuration.Configure().WithAddress(IPAddress.Loopback).WithPort(Port).Build();
    }

    public int Port { get; }

    /// <summary>The settings that point Workbench at this server.</summary>
    public IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Notifications:Email:Host", "127.0.0.1"),
        new("Notifications:Email:Port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("Notifications:Email:Security", "None"),
        new("Notifications:Email:From", "Workbench <workbench@workbench.test>"),
    ];

    public IReadOnlyList<MimeMessage> Mails => [.. _server.ReceivedEmail.Select(m => MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(m.Data))))];

    public IReadOnlyList<MimeMessage> MailsTo(string address) =>
        [.. Mails.Where(m => m.To.Mailboxes.Any(a => string.Equals(a.Address, address, StringComparison.OrdinalIgnoreCase)))];

    /// <summary>Waits until <paramref name="address"/> has at least <paramref name="count"/> mails, or fails at the deadline.</summary>
    public async Task<IReadOnlyList<MimeMessage>> WaitForAsync(string address, int count = 1, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var mails = MailsTo(address);
            if (mails.Count >= count)
            {
                return mails;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{address} got {mails.Count} mail(s), expected {count}.");
            }
            await Task.Delay(50);
        }
    }

    public void Stop() => _server.Stop();

    public void Dispose() => _server.Dispose();
}
