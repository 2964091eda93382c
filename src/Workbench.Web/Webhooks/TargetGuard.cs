using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Workbench.Web.Webhooks;

/// <summary>
/// Keeps webhook traffic off the inside network: no target in any IANA special-purpose range (IPv4 and IPv6, see
/// <see cref="SpecialPurpose"/>), no address of the server's own interfaces and none of its own host names, unless
/// <see cref="WebhookOptions.AllowPrivateTargets"/> (Development). Checked on the URL when it is registered or
/// submitted, and again at connect time on the address actually dialled, so a name that resolves somewhere else later
/// (DNS rebinding, or the machine's own name resolving to every interface) is caught.
/// </summary>
public static class TargetGuard
{
    /// <summary>
    /// The IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and its updates), with multicast, the
    /// reserved class E, the deprecated site-local and the translation prefixes (6to4, NAT64, Teredo) whose embedded
    /// IPv4 address could be anything: a webhook has no business with any of them.
    /// </summary>
    public static readonly IReadOnlyList<(string Range, string Name)> SpecialPurpose =
    [
        ("0.0.0.0/8", "this network"),
        ("10.0.0.0/8", "private use"),
        ("100.64.0.0/10", "shared address space (CGNAT)"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private use"),
        ("192.0.0.0/24", "IETF protocol assignments"),
        ("192.0.2.0/24", "documentation (TEST-NET-1)"),
        ("192.31.196.0/24", "AS112-v4"),
        ("192.52.193.0/24", "AMT"),
        ("192.88.99.0/24", "deprecated 6to4 relay anycast"),
        ("192.168.0.0/16", "private use"),
        ("192.175.48.0/24", "direct delegation AS112 service"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation (TEST-NET-2)"),
        ("203.0.113.0/24", "documentation (TEST-NET-3)"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
        ("255.255.255.255/32", "limited broadcast"),
        ("::/8", "loopback, unspecified, IPv4-compatible and reserved"),
        ("64:ff9b::/96", "IPv4-IPv6 translation (NAT64)"),
        ("64:ff9b:1::/48", "local-use IPv4-IPv6 translation"),
        ("100::/64", "discard-only"),
        ("100:0:0:1::/64", "dummy IPv6 prefix"),
        ("2001::/23", "IETF protocol assignments (Teredo, benchmarking, ORCHID…)"),
        ("2001:db8::/32", "documentation"),
        ("2002::/16", "6to4"),
        ("2620:4f:8000::/48", "direct delegation AS112 service"),
        ("3fff::/20", "documentation"),
        ("5f00::/16", "segment routing (SRv6) SIDs"),
        ("fc00::/7", "unique-local"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local (deprecated)"),
        ("ff00::/8", "multicast"),
    ];

    private static readonly (byte[] Prefix, int Bits, string Name)[] Ranges = [.. SpecialPurpose.Select(r => Parse(r.Range, r.Name))];
    private static (HashSet<IPAddress> Addresses, HashSet<string> Names, DateTime At) _own = (new(), new(StringComparer.OrdinalIgnoreCase), DateTime.MinValue);

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
            return "Must not point at this server, or at a loopback, link-local, private or other special-purpose address.";
        }
        return null;
    }

    /// <summary>A loopback name, one of this server's own names, or an address literal that <see cref="IsPrivate"/> refuses.</summary>
    public static bool IsPrivateHost(Uri uri)
    {
        var host = uri.IdnHost.TrimEnd('.');
        if (uri.IsLoopback || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase) ||
            host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || Own().Names.Contains(host))
        {
            return true;
        }
        return IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IsPrivate(ip);
    }

    /// <summary>In a special-purpose range, or an address of one of this server's interfaces.</summary>
    public static bool IsPrivate(IPAddress ip) => SpecialRange(ip) is not null || Own().Addresses.Contains(Normal(ip));

    /// <summary>The name of the special-purpose range the address is in (an IPv4-mapped address as its IPv4), or null.</summary>
    public static string? SpecialRange(IPAddress ip)
    {
        ip = Normal(ip);
        var bytes = ip.GetAddressBytes();
        foreach (var (prefix, bits, name) in Ranges)
        {
            if (prefix.Length == bytes.Length && Matches(bytes, prefix, bits))
            {
                return name;
            }
        }
        return null;
    }

    /// <summary>The connect step of the webhook HTTP client: resolves, refuses what <see cref="IsPrivate"/> refuses, dials an allowed address.</summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectCallback(Func<bool> allowPrivate) =>
        async (context, ct) =>
        {
            var host = context.DnsEndPoint.Host;
            var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(host, ct);
            var permissive = allowPrivate();
            if (!permissive && Own().Names.Contains(host.TrimEnd('.')))
            {
                throw new HttpRequestException($"{host} is this server's own name; webhooks are not sent to it.");
            }
            var allowed = permissive ? addresses : addresses.Where(a => !IsPrivate(a)).ToArray();
            if (allowed.Length == 0)
            {
                throw new HttpRequestException($"{host} resolves only to this server or to loopback, link-local, private or other special-purpose addresses; webhooks are not sent there.");
            }
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct);
                // What was dialled is what counts: checked once more on the connected endpoint.
                if (!permissive && socket.RemoteEndPoint is IPEndPoint remote && IsPrivate(remote.Address))
                {
                    throw new HttpRequestException($"{host} connected to {remote.Address}, which webhooks are not sent to.");
                }
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };

    private static IPAddress Normal(IPAddress ip) => ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4()
        : ip.AddressFamily == AddressFamily.InterNetworkV6 && ip.ScopeId != 0 ? new IPAddress(ip.GetAddressBytes()) : ip;

    /// <summary>This server's interface addresses and host names, refreshed every 30 s (interfaces come and go).</summary>
    private static (HashSet<IPAddress> Addresses, HashSet<string> Names, DateTime At) Own()
    {
        var own = _own;
        if (DateTime.UtcNow - own.At < TimeSpan.FromSeconds(30))
        {
            return own;
        }
        HashSet<IPAddress> addresses = [];
        HashSet<string> names = new(StringComparer.OrdinalIgnoreCase);
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (var a in nic.GetIPProperties().UnicastAddresses)
                {
                    addresses.Add(Normal(a.Address));
                }
            }
        }
        catch (NetworkInformationException)
        {
            // Without the list, the special-purpose ranges still apply.
        }
        var name = Dns.GetHostName();
        names.Add(name);
        var properties = IPGlobalProperties.GetIPGlobalProperties();
        if (!string.IsNullOrEmpty(properties.DomainName))
        {
            names.Add($"{properties.HostName}.{properties.DomainName}");
        }
        _own = own = (addresses, names, DateTime.UtcNow);
        return own;
    }

    private static bool Matches(byte[] address, byte[] prefix, int bits)
    {
        var whole = bits / 8;
        for (var i = 0; i < whole; i++)
        {
            if (address[i] != prefix[i])
            {
                return false;
            }
        }
        var rest = bits % 8;
        if (rest == 0)
        {
            return true;
        }
        var mask = (byte)(0xFF << (8 - rest));
        return (address[whole] & mask) == (prefix[whole] & mask);
    }

    private static (byte[], int, string) Parse(string cidr, string name)
    {
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        return (IPAddress.Parse(cidr[..slash]).GetAddressBytes(), int.Parse(cidr[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture), name);
    }
}
