using System.Text.RegularExpressions;

namespace Workbench.E2E;

/// <summary>
/// The default policy with every approval and hand-off SLA cut to <c>15s</c>, written to a directory of its own (deleted
/// on dispose): an app started with <c>Policy:Path</c> set to <see cref="Path"/> breaches a queued case within seconds.
/// </summary>
public sealed partial class ShortSlaPolicy : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("wb-e2e-policy-").FullName;

    private ShortSlaPolicy()
    {
        Path = System.IO.Path.Combine(_directory, "short-sla.yaml");
    }

    public string Path { get; }

    /// <param name="adjust">A further change to the shortened policy text, for a test that needs one queue different.</param>
    public static async Task<ShortSlaPolicy> WriteAsync(Func<string, string>? adjust = null)
    {
        var policy = new ShortSlaPolicy();
        var yaml = await File.ReadAllTextAsync(System.IO.Path.Combine(AppServer.RepositoryRoot, "assets", "policies", "default.yaml"));
        var shortened = SlaDuration().Replace(yaml, "$1: 15s");
        Assert.NotEqual(yaml, shortened); // the default policy still names its SLAs the way this helper expects
        shortened = adjust?.Invoke(shortened) ?? shortened;
        await File.WriteAllTextAsync(policy.Path, shortened);
        return policy;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    // The approval and hand-off SLAs of every queue (defaults and per priority); spot checks and info replies keep theirs.
    [GeneratedRegex(@"\b(await_approval|handoff): \d+[dhms]\b")]
    private static partial Regex SlaDuration();
}
