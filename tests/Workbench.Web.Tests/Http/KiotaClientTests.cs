using System.Net.Http.Json;
using System.Text.Json;
using Workbench.Contracts;

namespace Workbench.Web.Tests.Http;

/// <summary>
/// A C# client generated from the served document by Kiota (the <c>kiota</c> tool of .config/dotnet-tools.json,
/// restored by tests/run.sh), built against the Kiota packages and run against the app on a real Kestrel on
/// 127.0.0.1: submit → get → long-poll (202 with the question) → reply → lookup by externalId → list, with the
/// generated request builders and models only (tests/openapi/csharp/Program.cs). What it saw is checked against the
/// API read directly.
/// </summary>
public sealed class KiotaClientTests : IAsyncLifetime
{
    private static readonly string Template = Path.Combine(Processes.RepositoryRoot(), "tests", "openapi", "csharp");
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(8);
    private readonly WorkbenchFactory _app = new();
    private Uri _address = null!;

    public async Task InitializeAsync() => _address = await Task.Run(_app.StartKestrel);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static Dictionary<string, string?> Environment() => new()
    {
        // No update check, no tutorial hints: the generator works from the document alone.
        ["KIOTA_OFFLINE_ENABLED"] = "true",
        ["KIOTA_TUTORIAL_ENABLED"] = "false",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
    };

    private static async Task<string> RunAsync(string step, string workingDirectory, params string[] args)
    {
        var (exit, output) = await Processes.RunAsync("dotnet", args, StepTimeout, workingDirectory, Environment());
        Assert.True(exit == 0, $"{step}: dotnet {string.Join(' ', args)} exited {exit}:\n{output}");
        return output;
    }

    [Fact]
    public async Task The_Kiota_generated_CSharp_client_builds_and_does_the_round_trip()
    {
        // Outside the repository, so that its Directory.Build.props (warnings as errors, central versions) do not apply
        // to generated code, as they would not in an AI system's own project.
        var work = Path.Combine(Path.GetTempPath(), $"workbench-kiota-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            using var http = LiveApp.ApiClient(_address);
            var document = Path.Combine(work, "openapi.json");
            await File.WriteAllTextAsync(document, await http.GetStringAsync("/openapi/v1.json"));
            File.Copy(Path.Combine(Template, "RoundTrip.csproj"), Path.Combine(work, "RoundTrip.csproj"));
            File.Copy(Path.Combine(Template, "Program.cs"), Path.Combine(work, "Program.cs"));

            // Run from the repository root, where the tool manifest is.
            await RunAsync("generate", Processes.RepositoryRoot(), "tool", "run", "kiota", "--", "generate",
                "--openapi", document, "--language", "CSharp", "--output", Path.Combine(work, "Generated"),
                "--class-name", "WorkbenchApiClient", "--namespace-name", "Workbench.Generated",
                "--exclude-backward-compatible", "--clean-output", "--log-level", "Warning");
            await RunAsync("build", work, "build", "RoundTrip.csproj", "-c", "Release", "-o", Path.Combine(work, "out"), "-nologo", "-clp:ErrorsOnly");
            var sample = Samples.Files.Single(f => Path.GetFileName(f).StartsWith(Samples.Clarifies, StringComparison.Ordinal));
            var output = await RunAsync("round trip", work, Path.Combine(work, "out", "RoundTrip.dll"), _address.ToString().TrimEnd('/'), Samples.DemoKey, sample);

            var seen = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
            var id = seen.GetProperty("id").GetGuid();
            Assert.Equal("clarification_requested", seen.GetProperty("receiptStatus").GetString());
            Assert.Equal("clarification_requested", seen.GetProperty("readStatus").GetString());
            Assert.Equal("clarification_requested", seen.GetProperty("pendingStatus").GetString());
            Assert.False(string.IsNullOrEmpty(seen.GetProperty("question").GetString()));
            Assert.Equal(id, seen.GetProperty("foundId").GetGuid());
            Assert.Equal([id], seen.GetProperty("listedIds").EnumerateArray().Select(e => e.GetGuid()));
            // What the program saw after its reply is what the case is now.
            var now = await http.GetFromJsonAsync<CaseView>($"/api/v1/cases/{id}", WorkbenchJson.Options);
            Assert.Equal(JsonSerializer.Serialize(now!.Status, WorkbenchJson.Options).Trim('"'), seen.GetProperty("repliedStatus").GetString());
            Assert.NotEqual(CaseStatus.ClarificationRequested, now.Status);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
