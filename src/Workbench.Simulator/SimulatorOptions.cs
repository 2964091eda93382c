using System.Globalization;

namespace Workbench.Simulator;

public enum LoadProfile
{
    Steady,
    Burst,
}

/// <summary>What to simulate. Every option has a default that works against <c>dotnet run --project src/Workbench.Web</c>.</summary>
public sealed record SimulatorOptions
{
    public const string DemoAgentKey = "wb_demo_agent_7Qm2VxK9pLr4TzN8aHcE3uYd";
    public const string DemoAgent2Key = "wb_demo_agent2_Fh6Jw3Rb8Ns1Lq5ZkXp0Gt";
    public const string DemoAgentWebhookSecret = "whsec_ZGVtby1hZ2VudC13ZWJob29rLXNlY3JldC0wMQ==";

    public Uri BaseAddress { get; init; } = new("http://localhost:5080/");
    /// <summary>One AI system per key; cases are spread over them round-robin.</summary>
    public IReadOnlyList<string> ApiKeys { get; init; } = [DemoAgentKey, DemoAgent2Key];
    public double Rate { get; init; } = 10;
    public LoadProfile Profile { get; init; } = LoadProfile.Steady;
    public TimeSpan? Duration { get; init; }
    public int? Count { get; init; }
    /// <summary>After the last submission, how long the agents and reviewers go on (decisions, replies, outcomes).</summary>
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(5);
    public int Reviewers { get; init; }
    public IReadOnlyList<string> ReviewerNames { get; init; } = ["lena", "rita", "felix", "mia", "sam"];
    /// <summary>Median of the lognormal handle time of a simulated reviewer.</summary>
    public TimeSpan HandleMedian { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>Sigma of the lognormal (0.6: the 95th percentile is ~2.7× the median).</summary>
    public double HandleSigma { get; init; } = 0.6;
    /// <summary>Reviewers only approve, approve with edits or reject (no request for info, no routing): every claim ends in a decision.</summary>
    public bool DecideOnly { get; init; }
    public IReadOnlyList<string> Workflows { get; init; } = [];
    public string SamplesPath { get; init; } = "assets/samples/cases";
    /// <summary>Share of submissions given a variation (amount, tier, conflicting or stale evidence, failing tools, exception language…).</summary>
    public double VariationShare { get; init; } = 0.5;
    public double WithdrawShare { get; init; } = 0.02;
    public double OutcomeShare { get; init; } = 0.8;
    /// <summary>Most submissions in flight at once; beyond it the generator falls behind (and says so).</summary>
    public int MaxInFlight { get; init; } = 256;
    /// <summary>Most decision long-polls held open at once.</summary>
    public int MaxWaits { get; init; } = 128;
    public int? WebhookPort { get; init; }
    public string WebhookSecret { get; init; } = DemoAgentWebhookSecret;
    public int Seed { get; init; } = Environment.TickCount;
    public bool Quiet { get; init; }
    public string RunId { get; init; } = DateTimeOffset.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture);

    public const string Usage = """
        Workbench simulator: AI systems submit realistic cases, answer questions, report outcomes; reviewers work the queues.

          --url URL               Workbench root (default http://localhost:5080)
          --api-key KEY           an AI system's API key; repeat for several systems (default: the two demo agents)
          --rate N                submissions per second (default 10)
          --profile steady|burst  burst: 5× the rate for 3 s of every 15 s, a third of it in between
          --duration 30s|2m       how long to submit (default 30s unless --count)
          --count N               how many cases to submit (stops at whichever of duration/count comes first)
          --drain 5s              keep answering, reviewing and reporting this long after the last submission
          --reviewers N           simulated reviewers through /api/v1/review (Development sign-in; default 0)
          --reviewer-names a,b    who they sign in as (default lena,rita,felix,mia,sam; reused round-robin)
          --handle-median 20s     median handle time (lognormal) of a reviewer
          --handle-sigma 0.6      lognormal sigma of the handle time
          --decide-only           reviewers only approve, edit or reject (no requests for info, no routing)
          --workflows a,b         only samples of these workflows
          --samples DIR           the sample cases (default assets/samples/cases)
          --variation 0.5         share of cases given a variation
          --withdraw 0.02         share of queued cases the AI system withdraws
          --outcomes 0.8          share of decided cases whose downstream outcome is reported
          --max-in-flight 256     submissions in flight at most
          --webhook-port P        receive and verify webhooks on 127.0.0.1:P (cases carry callbackUrl)
          --webhook-secret S      the secret to verify them with (default: demo-agent's)
          --seed N                random seed (default: the clock)
          --quiet                 no live summary, only the final table
        """;

    /// <summary>Parses the command line; throws <see cref="ArgumentException"/> with a readable message.</summary>
    public static SimulatorOptions Parse(IReadOnlyList<string> args)
    {
        var o = new SimulatorOptions();
        var keys = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value()
            {
                if (i + 1 >= args.Count)
                {
                    throw new ArgumentException($"{name} needs a value.");
                }
                return args[++i];
            }
            o = name switch
            {
                "--url" => o with { BaseAddress = ParseUrl(Value()) },
                "--api-key" => Add(keys, Value(), o),
                "--rate" => o with { Rate = Positive(name, ParseDouble(name, Value())) },
                "--profile" => o with { Profile = Enum.TryParse<LoadProfile>(Value(), true, out var p) ? p : throw new ArgumentException("--profile is steady or burst.") },
                "--duration" => o with { Duration = ParseDuration(name, Value()) },
                "--count" => o with { Count = (int)Positive(name, ParseInt(name, Value())) },
                "--drain" => o with { Drain = ParseDuration(name, Value()) },
                "--reviewers" => o with { Reviewers = ParseInt(name, Value()) },
                "--reviewer-names" => o with { ReviewerNames = List(Value()) },
                "--handle-median" => o with { HandleMedian = ParseDuration(name, Value()) },
                "--handle-sigma" => o with { HandleSigma = ParseDouble(name, Value()) },
                "--decide-only" => o with { DecideOnly = true },
                "--workflows" => o with { Workflows = List(Value()) },
                "--samples" => o with { SamplesPath = Value() },
                "--variation" => o with { VariationShare = Share(name, Value()) },
                "--withdraw" => o with { WithdrawShare = Share(name, Value()) },
                "--outcomes" => o with { OutcomeShare = Share(name, Value()) },
                "--max-in-flight" => o with { MaxInFlight = (int)Positive(name, ParseInt(name, Value())) },
                "--webhook-port" => o with { WebhookPort = ParseInt(name, Value()) },
                "--webhook-secret" => o with { WebhookSecret = Value() },
                "--seed" => o with { Seed = ParseInt(name, Value()) },
                "--quiet" => o with { Quiet = true },
                _ => throw new ArgumentException($"Unknown option '{name}'. Try --help."),
            };
        }
        if (keys.Count > 0)
        {
            o = o with { ApiKeys = keys };
        }
        if (o.Duration is null && o.Count is null)
        {
            o = o with { Duration = TimeSpan.FromSeconds(30) };
        }
        if (o.Reviewers < 0 || o.ReviewerNames.Count == 0)
        {
            throw new ArgumentException("--reviewers is 0 or more and --reviewer-names names at least one person.");
        }
        return o;
    }

    private static SimulatorOptions Add(List<string> keys, string key, SimulatorOptions o)
    {
        keys.Add(key);
        return o;
    }

    private static Uri ParseUrl(string text) =>
        Uri.TryCreate(text.EndsWith('/') ? text : text + "/", UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new ArgumentException($"--url '{text}' is not an http(s) URL.");

    private static IReadOnlyList<string> List(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static double ParseDouble(string name, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : throw new ArgumentException($"{name} '{text}' is not a number.");

    private static int ParseInt(string name, string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new ArgumentException($"{name} '{text}' is not a whole number.");

    private static double Positive(string name, double v) =>
        v > 0 ? v : throw new ArgumentException($"{name} must be more than 0.");

    private static double Share(string name, string text)
    {
        var v = ParseDouble(name, text);
        return v is >= 0 and <= 1 ? v : throw new ArgumentException($"{name} is a share from 0 to 1.");
    }

    /// <summary>"500ms", "30s", "2m", "1h", or a bare number of seconds.</summary>
    public static TimeSpan ParseDuration(string name, string text)
    {
        var t = text.Trim();
        (string number, double unit) = t switch
        {
            _ when t.EndsWith("ms", StringComparison.Ordinal) => (t[..^2], 0.001),
            _ when t.EndsWith('s') => (t[..^1], 1),
            _ when t.EndsWith('m') => (t[..^1], 60),
            _ when t.EndsWith('h') => (t[..^1], 3600),
            _ => (t, 1),
        };
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0 && double.IsFinite(v)
            ? TimeSpan.FromSeconds(v * unit)
            : throw new ArgumentException($"{name} '{text}' is not a duration (500ms, 30s, 2m, 1h).");
    }
}
