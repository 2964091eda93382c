using System.Diagnostics;

namespace Workbench.Web.Tests.Http;

/// <summary>
/// The served <c>/openapi/v1.json</c> through the Redocly CLI's recommended rules (tests/openapi, installed by
/// tests/run.sh with npm ci), as a team generating a client from it would lint it first: no errors.
/// </summary>
public sealed class OpenApiLintTests(WorkbenchFactory app) : IClassFixture<WorkbenchFactory>
{
    private static readonly string Tools = Path.Combine(Processes.RepositoryRoot(), "tests", "openapi");

    [Fact]
    public async Task The_served_document_passes_the_Redocly_recommended_rules_without_errors()
    {
        var cli = Path.Combine(Tools, "node_modules", "@redocly", "cli", "bin", "cli.js");
        Assert.True(File.Exists(cli), "tests/openapi/node_modules is missing: run `npm ci --prefix tests/openapi` (tests/run.sh does).");
        var document = Path.Combine(Path.GetTempPath(), $"workbench-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(document, await app.CreateClient().GetStringAsync("/openapi/v1.json"));
        try
        {
            var psi = new ProcessStartInfo("node", [cli, "lint", document, "--config", Path.Combine(Tools, "redocly.yaml"), "--format", "stylish"])
            {
                WorkingDirectory = Tools,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment = { ["REDOCLY_TELEMETRY"] = "off", ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true", ["NO_COLOR"] = "1" },
            };
            using var node = Process.Start(psi)!;
            var output = node.StandardOutput.ReadToEndAsync();
            var errors = node.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await node.WaitForExitAsync(cts.Token);
            var report = await output + await errors;
            Assert.True(node.ExitCode == 0, report);
            Assert.Contains("valid", report, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            File.Delete(document);
        }
    }
}
