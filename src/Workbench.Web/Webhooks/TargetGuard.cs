using System.Net;
using System.Net.Sockets;

namespace Workbench.Web.Webhooks;

/// <summary>
/// Keeps webhook traffic off the inside network: no loopback, link-local, private, CGNAT or unspecified targets unless
/// <see cref="WebhookOptions.AllowPrivateTargets"/>. Checked on the URL when it is registered or submitted, and again on
/// every address the name resolves to when connecting, so a DNS answer that changes later (rebinding) is caught.
/// </summary>
public static class TargetGuard
{
    public static string? CheckUrl(Uri uri, bool allowPrivate)
    {
        if (uri.Scheme != Uri.UriSchemeHttps && !(allowPrivate && uri.Scheme == Uri.UriSchemeHttp))
        {
            return "Must be an https URL.";
        }
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "Must not carry credentials.";
        }
        if (!allowPrivate && IsPrivateHost(uri))
        {
            return "Must not point at loopback, link-local or private addresses.";
        }
        return null;
    }

    public static bool IsPrivateHost(Uri uri)
    {
        if (uri.IsLoopback || uri.Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase) ||
            uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IsPrivate(ip);
    }

    public static bool IsPrivate(IPAddress ip)
    {
        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }
        var b = ip.GetAddressBytes();
        return ip.AddressFamily == AddressFamily.InterNetwork
            ? b[0] is 10 or 127 or 0 || b[0] >= 224 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168) ||
              (b[0] == 169 && b[1] == 254) || (b[0] == 100 && b[1] is >= 64 and <= 127)
            : ip.IsIPv6LinkLocal || ip.IsIPv6SiteLocal || ip.IsIPv6UniqueLocal || ip.IsIPv6Multicast || IPAddress.IsLoopback(ip) ||
              ip.Equals(IPAddress.IPv6None) || ip.Equals(IPAddress.IPv6Any);
    }

    /// <summary>The connect step of the webhook HTTP client: resolves, refuses private addresses, connects to an allowed one.</summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectCallback(Func<bool> allowPrivate) =>
        async (context, ct) =>
        {
            var host = context.DnsEndPoint.Host;
            var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(host, ct);
            var allowed = allowPrivate() ? addresses : addresses.Where(a => !IsPrivate(a)).ToArray();
            if (allowed.Length == 0)
            {
                throw new HttpRequestException($"{host} resolves only to loopback, link-local or private addresses; webhooks are not sent there.");
            }
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };
}
