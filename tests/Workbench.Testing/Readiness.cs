using System.Diagnostics;
using System.Text.Json;

namespace Workbench.Testing;

/// <summary>One answer of <c>/health/ready</c>: the HTTP status, the overall status and each check's status and description.</summary>
public sealed record Readiness(int HttpStatus, string Status, IReadOnlyDictionary<string, (string Status, string? Description)> Checks)
{
    public string CheckStatus(string name) => Checks.TryGetValue(name, out var c) ? c.Status : "(missing)";

    public override string ToString() =>
        $"{HttpStatus} {Status}: " + string.Join("; ", Checks.Select(c => $"{c.Key} {c.Value.Status} ({c.Value.Description})"));

    public static async Task<Readiness> ReadAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/health/ready");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var checks = body.RootElement.GetProperty("checks").EnumerateObject().ToDictionary(
            c => c.Name,
            c => (c.Value.GetProperty("status").GetString()!, c.Value.TryGetProperty("description", out var d) ? d.GetString() : null));
        return new Readiness((int)response.StatusCode, body.RootElement.GetProperty("status").GetString()!, checks);
    }

    /// <summary>Reads readiness until <paramref name="holds"/> is true of it, or fails after <paramref name="within"/> with the last answer.</summary>
    public static async Task<Readiness> WaitAsync(HttpClient http, Func<Readiness, bool> holds, TimeSpan within, string what)
    {
        var clock = Stopwatch.StartNew();
        Readiness? last = null;
        while (clock.Elapsed < within)
        {
            try
            {
                last = await ReadAsync(http);
                if (holds(last))
                {
                    return last;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"Readiness did not show {what} within {within.TotalSeconds:0} s; last: {last}");
    }
}
