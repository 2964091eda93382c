using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Workbench.Web.Hosting;

/// <summary>
/// What the app tells browsers and believes from proxies about the transport: HSTS (<c>Hsts:*</c>), the antiforgery
/// cookie's <c>Secure</c>, and the forwarded headers of a TLS-terminating load balancer — believed only from the
/// addresses named in <c>ForwardedHeaders:KnownProxies</c> / <c>KnownNetworks</c>. Any other client could otherwise
/// claim to be https (and get the cookies and HSTS of one) or any address it likes (and the rate limit and the logs
/// of that address). Every bad value stops the start with one line naming the setting.
/// </summary>
public static class TransportSecurity
{
    public const string HstsMaxAgeKey = "Hsts:MaxAge";
    public const string HstsIncludeSubDomainsKey = "Hsts:IncludeSubDomains";
    public const string HstsPreloadKey = "Hsts:Preload";
    public const string KnownProxiesKey = "ForwardedHeaders:KnownProxies";
    public const string KnownNetworksKey = "ForwardedHeaders:KnownNetworks";

    /// <summary>The framework's switch (environment variable <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c>), as the framework reads it.</summary>
    private const string FrameworkSwitchKey = "FORWARDEDHEADERS_ENABLED";

    /// <summary>The proxies whose forwarded headers are believed; empty when none are configured.</summary>
    public sealed record Proxies(IReadOnlyList<IPAddress> Addresses, IReadOnlyList<System.Net.IPNetwork> Networks)
    {
        public bool Any => Addresses.Count > 0 || Networks.Count > 0;
    }

    public static IHostApplicationBuilder AddWorkbenchTransportSecurity(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var maxAge = ReadTimeSpan(configuration, HstsMaxAgeKey, TimeSpan.FromDays(365));
        var subDomains = ReadBool(configuration, HstsIncludeSubDomainsKey, true);
        var preload = ReadBool(configuration, HstsPreloadKey, false);
        builder.Services.AddHsts(o =>
        {
            o.MaxAge = maxAge;
            o.IncludeSubDomains = subDomains;
            o.Preload = preload;
        });
        // As the sign-in cookie: Secure whenever the request came over https (at the app, or at a known proxy that says so).
        builder.Services.AddAntiforgery(o => o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);

        var proxies = ReadProxies(configuration);
        if (ReadBool(configuration, FrameworkSwitchKey, false) && !proxies.Any)
        {
            throw new WorkbenchConfigurationException(
                $"ASPNETCORE_FORWARDEDHEADERS_ENABLED is true but neither {KnownProxiesKey} nor {KnownNetworksKey} is set: X-Forwarded-For " +
                "and X-Forwarded-Proto would be believed from any client. Name the load balancer's addresses (for example " +
                "ForwardedHeaders__KnownProxies=10.0.0.4 or ForwardedHeaders__KnownNetworks=10.0.0.0/24).");
        }
        builder.Services.AddSingleton(proxies);
        if (proxies.Any)
        {
            // After the framework's own setup (which, switched on, clears the known proxies and so trusts everyone).
            builder.Services.PostConfigure<ForwardedHeadersOptions>(o =>
            {
                o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
                o.KnownProxies.Clear();
                o.KnownIPNetworks.Clear();
                foreach (var a in proxies.Addresses)
                {
                    o.KnownProxies.Add(a);
                }
                foreach (var n in proxies.Networks)
                {
                    o.KnownIPNetworks.Add(n);
                }
            });
        }
        return builder;
    }

    /// <summary>
    /// First in the pipeline: the forwarded headers of the configured proxies. With ASPNETCORE_FORWARDEDHEADERS_ENABLED
    /// the framework has put the same middleware there already (with the options above), so it is not added twice.
    /// </summary>
    public static IApplicationBuilder UseWorkbenchForwardedHeaders(this WebApplication app)
    {
        if (app.Services.GetRequiredService<Proxies>().Any && !ReadBool(app.Configuration, FrameworkSwitchKey, false))
        {
            app.UseForwardedHeaders();
        }
        return app;
    }

    private static Proxies ReadProxies(IConfiguration configuration)
    {
        var addresses = new List<IPAddress>();
        foreach (var text in Values(configuration, KnownProxiesKey))
        {
            addresses.Add(IPAddress.TryParse(text, out var a) ? a
                : throw new WorkbenchConfigurationException($"{KnownProxiesKey}: '{text}' is not an IP address (one address per proxy, e.g. 10.0.0.4)."));
        }
        var networks = new List<System.Net.IPNetwork>();
        foreach (var text in Values(configuration, KnownNetworksKey))
        {
            networks.Add(System.Net.IPNetwork.TryParse(text, out var n) ? n
                : throw new WorkbenchConfigurationException($"{KnownNetworksKey}: '{text}' is not a network in CIDR form (e.g. 10.0.0.0/24)."));
        }
        return new Proxies(addresses, networks);
    }

    /// <summary>A list as an array (<c>Key:0</c>, <c>Key:1</c>) or as one value separated by commas or spaces (an environment variable).</summary>
    private static IEnumerable<string> Values(IConfiguration configuration, string key)
    {
        var section = configuration.GetSection(key);
        IEnumerable<string> texts = section.Value is { } single ? [single] : section.GetChildren().Select(c => c.Value ?? "");
        return texts.SelectMany(t => t.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private static bool ReadBool(IConfiguration configuration, string key, bool fallback)
    {
        var text = configuration[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }
        return bool.TryParse(text.Trim(), out var value) ? value
            : throw new WorkbenchConfigurationException($"The setting {(key == FrameworkSwitchKey ? "ASPNETCORE_FORWARDEDHEADERS_ENABLED" : key)} is '{text}'; use true or false.");
    }

    private static TimeSpan ReadTimeSpan(IConfiguration configuration, string key, TimeSpan fallback)
    {
        var text = configuration[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }
        return TimeSpan.TryParse(text.Trim(), CultureInfo.InvariantCulture, out var value) && value >= TimeSpan.Zero
            ? value
            : throw new WorkbenchConfigurationException($"The setting {key} is '{text}'; use a duration such as 365.00:00:00.");
    }
}
