using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Workbench.Web.Webhooks;

namespace Workbench.Web.Tests.Webhooks;

/// <summary>
/// The webhook target guard from the side of someone choosing a target: the first and last address of every IANA
/// special-purpose range, the same addresses written as IPv4-mapped IPv6, the translation forms that embed an inside
/// IPv4 address, the server's own interface addresses and host names, and the connect step that dials nothing it
/// refuses. The neighbours just outside a range stay allowed, so the ranges are not wider than the registry.
/// </summary>
public sealed class TargetGuardTests
{
    public static TheoryData<string> Refused => new()
    {
        // IPv4 registry, first and last of each range.
        "0.0.0.0", "0.255.255.255", "10.0.0.0", "10.255.255.255", "100.64.0.0", "100.127.255.255", "127.0.0.1", "127.255.255.255",
        "169.254.0.0", "169.254.169.254", "172.16.0.0", "172.31.255.255", "192.0.0.0", "192.0.0.255", "192.0.2.0", "192.0.2.255",
        "192.31.196.1", "192.52.193.1", "192.88.99.1", "192.168.0.0", "192.168.255.255", "192.175.48.1",
        "198.18.0.0", "198.19.255.255", "198.51.100.0", "198.51.100.255", "203.0.113.0", "203.0.113.255",
        "224.0.0.1", "239.255.255.255", "240.0.0.0", "255.255.255.255",
        // IPv6 registry.
        "::", "::1", "::10.0.0.1", "64:ff9b::c000:201", "64:ff9b::808:808", "64:ff9b:1::1", "100::1", "100:0:0:1::1",
        "2001::1", "2001:1::1", "2001:2::1", "2001:10::1", "2001:1ff:ffff::1", "2001:db8::1", "2001:db8:ffff::1",
        "2002:c000:201::1", "2002:808:808::1", "2620:4f:8000::1", "3fff::1", "3fff:fff::1", "5f00::1",
        "fc00::1", "fd12:3456::1", "fe80::1", "febf::1", "fec0::1", "ff02::1",
        // IPv4-mapped IPv6 of inside addresses.
        "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:198.18.0.1", "::ffff:203.0.113.7", "::ffff:169.254.169.254",
    };

    public static TheoryData<string> Allowed => new()
    {
        "8.8.8.8", "1.1.1.1", "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0",
        "192.0.1.255", "192.0.3.0", "192.167.255.255", "192.169.0.0", "198.17.255.255", "198.20.0.0", "198.51.99.255",
        "198.51.101.0", "203.0.112.255", "203.0.114.0", "223.255.255.255",
        "2606:4700:4700::1111", "2001:4860:4860::8888", "2001:200::1", "2a00:1450:4001::1", "::ffff:8.8.8.8",
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Every_special_purpose_address_is_refused(string address)
    {
        Assert.True(TargetGuard.IsPrivate(IPAddress.Parse(address)), $"{address} was allowed");
        Assert.NotNull(TargetGuard.CheckUrl(new Uri($"https://{(address.Contains(':') ? $"[{address}]" : address)}/hook"), allowPrivate: false));
    }

    [Theory]
    [MemberData(nameof(Allowed))]
    public void Public_addresses_next_to_the_ranges_are_allowed(string address)
    {
        Assert.False(TargetGuard.IsPrivate(IPAddress.Parse(address)), $"{address} was refused ({TargetGuard.SpecialRange(IPAddress.Parse(address))})");
        Assert.Null(TargetGuard.CheckUrl(new Uri($"https://{(address.Contains(':') ? $"[{address}]" : address)}/hook"), allowPrivate: false));
    }

    [Fact]
    public void The_servers_own_addresses_and_names_are_refused()
    {
        var own = NetworkInterface.GetAllNetworkInterfaces().SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(a => a.Address).ToList();
        Assert.NotEmpty(own);
        foreach (var address in own.Concat(Dns.GetHostAddresses(Dns.GetHostName())))
        {
            Assert.True(TargetGuard.IsPrivate(address), $"own address {address} was allowed");
        }
        Assert.NotNull(TargetGuard.CheckUrl(new Uri($"https://{Dns.GetHostName()}/hook"), allowPrivate: false));
        Assert.NotNull(TargetGuard.CheckUrl(new Uri($"https://{Dns.GetHostName().ToUpperInvariant()}./hook"), allowPrivate: false));
        // Development keeps loopback callbacks.
        Assert.Null(TargetGuard.CheckUrl(new Uri("http://127.0.0.1:5000/hook"), allowPrivate: true));
    }

    [Fact]
    public async Task The_connect_step_dials_neither_the_own_name_nor_an_own_address()
    {
        using var listener = new TcpListener(IPAddress.Any, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var http = new HttpClient(new SocketsHttpHandler { ConnectCallback = TargetGuard.ConnectCallback(() => false) });
        var ownAddress = NetworkInterface.GetAllNetworkInterfaces().SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address).First(a => a.AddressFamily == AddressFamily.InterNetwork);

        foreach (var url in new[] { $"http://{Dns.GetHostName()}:{port}/", $"http://{ownAddress}:{port}/", $"http://localhost:{port}/" })
        {
            var error = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(url));
            Assert.Contains("webhooks are not sent", error.Message + error.InnerException?.Message);
        }
        Assert.False(listener.Pending(), "the guard let a connection through");

        // The same listener is reachable when the guard allows it (Development), so the refusal above is the guard's.
        using var permissive = new HttpClient(new SocketsHttpHandler { ConnectCallback = TargetGuard.ConnectCallback(() => true) });
        var request = permissive.GetAsync($"http://127.0.0.1:{port}/");
        _ = request.ContinueWith(t => t.Exception, TaskScheduler.Default);
        using var accepted = await listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(accepted.Connected);
    }
}
