using System.Text;
using System.Text.Json.Nodes;

namespace Workbench.Benchmarks;

/// <summary>
/// A steady arrival rate against an intake endpoint already running (intake-wrk.sh's paced phase): open loop, each
/// request sent when it is due whatever the server does, latency counted from that moment (no coordinated omission,
/// which a wrk Lua delay would have). Every request has its own externalId and Idempotency-Key.
/// Usage: dotnet Workbench.Benchmarks.dll intake-paced --url URL --body FILE [--key BEARER] [--rate 500] [--seconds 15]
/// Prints: RESULT sent=… created=… other=… seconds=… p50_ms=… p99_ms=… max_ms=… first_error=…
/// </summary>
public static class IntakePaced
{
    public static async Task<int> RunAsync(string[] args)
    {
        var url = Option(args, "--url");
        var file = Option(args, "--body");
        if (url is null || file is null)
        {
            Console.Error.WriteLine("intake-paced: --url URL and --body FILE are required.");
            return 2;
        }
        var rate = int.Parse(Option(args, "--rate") ?? "500", System.Globalization.CultureInfo.InvariantCulture);
        var seconds = int.Parse(Option(args, "--seconds") ?? "15", System.Globalization.CultureInfo.InvariantCulture);
        var json = JsonNode.Parse(await File.ReadAllTextAsync(file))!.AsObject();
        json["externalId"] = "__EXTERNAL_ID__";
        // Fresh evidence whenever it runs, as the wrk script does: the policy hands stale evidence to a human.
        var published = DateTimeOffset.UtcNow.Date.AddDays(-20).ToString("yyyy-MM-ddT00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var e in json["evidence"]?.AsArray() ?? [])
        {
            if (e is JsonObject item && item.ContainsKey("publishedAt"))
            {
                item["publishedAt"] = published;
            }
        }
        var phase = await IntakeLoad.OpenLoopAsync(url, Option(args, "--key"), [Encoding.UTF8.GetBytes(json.ToJsonString())], rate, seconds);
        var firstError = (phase.FirstError ?? "").ReplaceLineEndings(" ");
        Console.WriteLine(FormattableString.Invariant(
            $"RESULT sent={phase.Accepted + phase.Errors} created={phase.Accepted} other={phase.Errors} socket_errors=0 seconds={seconds} p50_ms={phase.P50:F2} p99_ms={phase.P99:F2} max_ms={phase.Max:F2} first_error={firstError}"));
        return 0;
    }

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
