using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Workbench.Contracts;

namespace Workbench.Web.Tests.Http;

/// <summary>
/// A TypeScript client generated from the served document by openapi-typescript, compiled by tsc (strict) against a
/// round-trip script, and run by node against the app on a real Kestrel on 127.0.0.1: submit → get → long-poll →
/// reply → lookup by externalId → list. What the script saw is checked against the API read directly.
/// </summary>
public sealed class GeneratedClientTests : IAsyncLifetime
{
    private static readonly string Tools = Path.Combine(Processes.RepositoryRoot(), "tests", "openapi");
    private readonly WorkbenchFactory _app = new();
    private Uri _address = null!;

    public async Task InitializeAsync() => _address = await Task.Run(_app.StartKestrel);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static async Task<string> NodeAsync(string workingDirectory, params string[] args)
    {
        var psi = new ProcessStartInfo("node", args)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["NO_COLOR"] = "1" },
        };
        using var node = Process.Start(psi)!;
        var output = node.StandardOutput.ReadToEndAsync();
        var errors = node.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await node.WaitForExitAsync(cts.Token);
        Assert.True(node.ExitCode == 0, $"node {string.Join(' ', args)} exited {node.ExitCode}:\n{await output}\n{await errors}");
        return await output;
    }

    [Fact]
    public async Task The_generated_TypeScript_client_compiles_and_does_the_round_trip()
    {
        Assert.True(Directory.Exists(Path.Combine(Tools, "node_modules", "openapi-typescript")),
            "tests/openapi/node_modules is missing: run `npm ci --prefix tests/openapi` (tests/run.sh does).");
        // Under tests/openapi so that node and tsc find its node_modules; obj/ is ignored by git.
        var work = Path.Combine(Tools, "obj", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            using var http = LiveApp.ApiClient(_address);
            await File.WriteAllTextAsync(Path.Combine(work, "openapi.json"), await http.GetStringAsync("/openapi/v1.json"));
            File.Copy(Path.Combine(Tools, "roundtrip.ts"), Path.Combine(work, "roundtrip.ts"));
            File.Copy(Path.Combine(Tools, "tsconfig.json"), Path.Combine(work, "tsconfig.json"));

            await NodeAsync(Tools, Path.Combine(Tools, "node_modules", "openapi-typescript", "bin", "cli.js"),
                Path.Combine(work, "openapi.json"), "-o", Path.Combine(work, "schema.d.ts"));
            await NodeAsync(work, Path.Combine(Tools, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json");
            var sample = Samples.Files.Single(f => Path.GetFileName(f).StartsWith(Samples.Clarifies, StringComparison.Ordinal));
            var output = await NodeAsync(work, "roundtrip.js", _address.ToString().TrimEnd('/'), Samples.DemoKey, sample);

            var seen = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
            var id = Guid.Parse(seen.GetProperty("id").GetString()!);
            Assert.Equal("clarification_requested", seen.GetProperty("receiptStatus").GetString());
            Assert.Equal("clarification_requested", seen.GetProperty("readStatus").GetString());
            Assert.Equal("clarification_requested", seen.GetProperty("pendingStatus").GetString());
            Assert.False(string.IsNullOrEmpty(seen.GetProperty("question").GetString()));
            Assert.Equal(id, Guid.Parse(seen.GetProperty("foundId").GetString()!));
            Assert.Equal([id], seen.GetProperty("listedIds").EnumerateArray().Select(e => Guid.Parse(e.GetString()!)));
            // What the script saw after its reply is what the case is now.
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
