
namespace Workbench.System.Tests.Hosting;

/// <summary>The real app process started with bad settings: it must stop with one clear line naming the setting.</summary>
public class StartupConfigurationTests
{
    private static async Task<(int Code, string Output)> StartAppAsync(Dictionary<string, string?> env)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Workbench.Web.dll");
        var work = Directory.CreateTempSubdirectory("wb-start-").FullName;
        env["ASPNETCORE_ENVIRONMENT"] = "Production";
        env["ASPNETCORE_URLS"] = $"http://127.0.0.1:{Processes.FreePort()}";
        // A test not about the audit key opts out of signed checkpoints, as a missing key stops the start first.
        env.TryAdd("Audit__Checkpoints__Enabled", "false");
        try
        {
            return await Processes.RunAsync("dotnet", [dll], TimeSpan.FromSeconds(60), work, env);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task A_double_review_share_outside_0_to_1_stops_start_up_naming_the_setting()
    {
        var (code, output) = await StartAppAsync(new() { ["Learning__DoubleReview__Workflows__billing.refund"] = "1.5" });
        Assert.Equal(1, code);
        Assert.Contains("Workbench cannot start: Learning:DoubleReview:Workflows:billing.refund is 1.5; it must be a share between 0 and 1", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Theory]
    [InlineData("-00:00:05")]
    [InlineData("02:00:00")]
    public async Task A_negative_or_absurd_undo_window_stops_start_up_naming_the_setting(string value)
    {
        var (code, output) = await StartAppAsync(new() { ["Review__UndoWindow"] = value });
        Assert.True(code == 1, output);
        Assert.Contains($"Workbench cannot start: The setting Review:UndoWindow is {value}; it must be between 00:00:00 (no undo) and 00:05:00", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Theory]
    [InlineData("Webhooks__MaxInFlight", "abc", "The setting Webhooks:MaxInFlight is 'abc', which is not a whole number.")]
    [InlineData("Webhooks__Timeout", "ten seconds", "The setting Webhooks:Timeout is 'ten seconds', which is not a duration")]
    [InlineData("Review__Lease", "soon", "The setting Review:Lease is 'soon', which is not a duration")]
    [InlineData("Operations__OutboxBacklogThreshold", "1e99", "The setting Operations:OutboxBacklogThreshold is '1e99', which is not a whole number.")]
    public async Task A_setting_of_the_wrong_type_in_any_section_stops_start_up_naming_it(string key, string value, string line)
    {
        // Options bind on first use: without the check at start these started and failed later, inside a worker.
        await AssertStopsWithOneLineAsync(key, value, line);
    }

    [Theory]
    [InlineData("Sla__Interval", "-00:00:05", "The setting Sla:Interval is -00:00:05, which is negative")]
    [InlineData("Webhooks__PollInterval", "00:00:00", "The setting Webhooks:PollInterval is 00:00:00: a timer or a wait runs on it")]
    [InlineData("Webhooks__MaxInFlight", "0", "The setting Webhooks:MaxInFlight is 0: it must be 1 or more.")]
    [InlineData("Intake__Limits__MaxClaims", "-3", "The setting Intake:Limits:MaxClaims is -3, which is negative")]
    [InlineData("Board__ServiceLevelTarget", "80", "The setting Board:ServiceLevelTarget is 80: it is a share, from 0 to 1")]
    [InlineData("Learning__Autonomy__MinReviews", "-1", "The setting Learning:Autonomy:MinReviews is -1, which is negative")]
    public async Task A_setting_out_of_range_in_any_section_stops_start_up_naming_it(string key, string value, string line)
    {
        // A negative interval used to start the app and then crash a worker's PeriodicTimer with a stack trace (exit 134).
        await AssertStopsWithOneLineAsync(key, value, line);
    }

    private static async Task AssertStopsWithOneLineAsync(string key, string value, string line)
    {
        var (code, output) = await StartAppAsync(new() { [key] = value });
        Assert.True(code == 1, output);
        Assert.Contains("Workbench cannot start: " + line, output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public async Task Unknown_provider_stops_start_up_naming_Database_Provider()
    {
        var (code, output) = await StartAppAsync(new() { ["Database__Provider"] = "Oracle" });
        Assert.Equal(1, code);
        Assert.Contains("Workbench cannot start: The setting Database:Provider is 'Oracle'", output);
        Assert.DoesNotContain("   at ", output); // no stack trace
    }

    [Theory]
    [InlineData("SqlServer")]
    [InlineData("Postgres")]
    public async Task Server_provider_without_connection_string_stops_start_up(string provider)
    {
        var (code, output) = await StartAppAsync(new() { ["Database__Provider"] = provider, ["ConnectionStrings__Workbench"] = "" });
        Assert.Equal(1, code);
        Assert.Contains($"Database:Provider is {provider} but ConnectionStrings:Workbench is not set", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public async Task Unreachable_database_stops_start_up_naming_the_connection_string()
    {
        var port = Processes.FreePort(); // nothing listens there
        var (code, output) = await StartAppAsync(new()
        {
            ["Database__Provider"] = "Postgres",
            ["ConnectionStrings__Workbench"] = $"Host=127.0.0.1;Port={port};Database=wb;Username=wb;Password=secret-pw;Timeout=3",
        });
        Assert.Equal(1, code);
        Assert.Contains("Cannot open the Postgres database set by ConnectionStrings:Workbench", output);
        Assert.Contains($"Port={port}", output);
        Assert.DoesNotContain("secret-pw", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Theory]
    [InlineData("Sqlite", "this is not a connection string")]
    [InlineData("Postgres", "Host=127.0.0.1;Database=wb;Username=wb;Password=pw-secret;Bogus=1")]
    [InlineData("SqlServer", "Server=tcp:db;Database=wb;Encrypt=sometimes;Password=pw-secret")]
    public async Task A_malformed_connection_string_stops_start_up_with_one_line(string provider, string connectionString)
    {
        var (code, output) = await StartAppAsync(new() { ["Database__Provider"] = provider, ["ConnectionStrings__Workbench"] = connectionString });
        Assert.Equal(1, code);
        Assert.Contains($"Workbench cannot start: The setting ConnectionStrings:Workbench is not a {provider} connection string", output);
        Assert.DoesNotContain("pw-secret", output);
        Assert.DoesNotContain("   at ", output);
        Assert.DoesNotContain("Unhandled exception", output);
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task No_audit_signing_key_outside_development_stops_start_up_unless_turned_off()
    {
        var (code, output) = await StartAppAsync(new() { ["Audit__Checkpoints__Enabled"] = null });
        Assert.Equal(1, code);
        Assert.Contains("Workbench cannot start: Audit:Checkpoints has no signing key", output);
        Assert.Contains("Audit:Checkpoints:Enabled=false", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Theory]
    [InlineData("Database__Sqlite__BusyTimeout", "soon", "Database:Sqlite:BusyTimeout is 'soon'")]
    [InlineData("Hsts__MaxAge", "a year", "Hsts:MaxAge is 'a year'")]
    [InlineData("Hsts__IncludeSubDomains", "yes", "Hsts:IncludeSubDomains is 'yes'")]
    [InlineData("ForwardedHeaders__KnownProxies", "the-balancer", "ForwardedHeaders:KnownProxies: 'the-balancer' is not an IP address")]
    [InlineData("ForwardedHeaders__KnownNetworks", "10.0.0.0/33", "ForwardedHeaders:KnownNetworks: '10.0.0.0/33' is not a network")]
    [InlineData("ASPNETCORE_FORWARDEDHEADERS_ENABLED", "true", "ASPNETCORE_FORWARDEDHEADERS_ENABLED is true but neither ForwardedHeaders:KnownProxies")]
    public async Task A_bad_transport_or_database_setting_stops_start_up_naming_it(string variable, string value, string expected)
    {
        var (code, output) = await StartAppAsync(new() { [variable] = value });
        Assert.Equal(1, code);
        Assert.Contains("Workbench cannot start: ", output);
        Assert.Contains(expected, output);
        Assert.DoesNotContain("   at ", output);
    }
}
