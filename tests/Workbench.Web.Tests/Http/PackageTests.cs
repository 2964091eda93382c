using System.IO.Compression;
using System.Xml.Linq;

namespace Workbench.Web.Tests.Http;

/// <summary>
/// The .NET SDK as an AI system's team installs it: <c>dotnet pack</c> of Workbench.Contracts and Workbench.Client
/// (from the build these tests run on) gives two packages, each with its README shown by NuGet and its documentation
/// file; the client's one Workbench dependency is Workbench.Contracts at the same version, and Contracts depends on
/// nothing — neither drags the server (Web, Core, Data) into an AI system.
/// </summary>
public sealed class PackageTests
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    [Fact]
    public async Task The_client_and_its_contracts_pack_with_a_readme_and_contracts_as_the_one_workbench_dependency()
    {
        var root = Processes.RepositoryRoot();
        var output = Path.Combine(Path.GetTempPath(), $"workbench-pack-{Guid.NewGuid():N}");
        try
        {
            foreach (var project in new[] { "Workbench.Contracts", "Workbench.Client" })
            {
                // --no-build: the packages of the assemblies these tests were built with.
                var (exit, log) = await Processes.RunAsync("dotnet", ["pack", Path.Combine(root, "src", project), "--no-build", "-c", Configuration, "-o", output, "-nologo"],
                    TimeSpan.FromMinutes(3), root, new Dictionary<string, string?> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" });
                Assert.True(exit == 0, $"dotnet pack {project} exited {exit}:\n{log}");
            }

            var contracts = Package(output, "Workbench.Contracts");
            var client = Package(output, "Workbench.Client");
            foreach (var (id, package) in new[] { ("Workbench.Contracts", contracts), ("Workbench.Client", client) })
            {
                Assert.Equal("README.md", package.Nuspec.Element(package.Ns + "readme")?.Value);
                Assert.Contains("README.md", package.Entries);
                Assert.Contains($"# {id}", package.Readme, StringComparison.Ordinal);
                Assert.Contains($"lib/net10.0/{id}.dll", package.Entries);
                Assert.Contains($"lib/net10.0/{id}.xml", package.Entries);
                Assert.False(string.IsNullOrWhiteSpace(package.Nuspec.Element(package.Ns + "description")?.Value));
            }

            Assert.Empty(contracts.Dependencies);
            var workbench = client.Dependencies.Where(d => d.Id.StartsWith("Workbench.", StringComparison.Ordinal)).ToList();
            var only = Assert.Single(workbench);
            Assert.Equal("Workbench.Contracts", only.Id);
            Assert.Equal(contracts.Nuspec.Element(contracts.Ns + "version")!.Value, only.Version.Trim('[', ']').Split(',')[0]);
            // What else the client brings is the resilience pipeline of AddWorkbenchClient, nothing of the server.
            Assert.Equal(["Microsoft.Extensions.Http.Resilience", "Workbench.Contracts"], client.Dependencies.Select(d => d.Id).Order(StringComparer.Ordinal));
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    private sealed record Packed(XElement Nuspec, XNamespace Ns, List<string> Entries, string Readme, List<(string Id, string Version)> Dependencies);

    private static Packed Package(string directory, string id)
    {
        var file = Assert.Single(Directory.GetFiles(directory, $"{id}.*.nupkg"), f => !f.EndsWith(".symbols.nupkg", StringComparison.Ordinal)
            && System.Text.RegularExpressions.Regex.IsMatch(Path.GetFileName(f), $@"^{System.Text.RegularExpressions.Regex.Escape(id)}\.\d"));
        using var zip = ZipFile.OpenRead(file);
        using var nuspecStream = zip.GetEntry($"{id}.nuspec")!.Open();
        var nuspec = XDocument.Load(nuspecStream).Root!;
        var ns = nuspec.Name.Namespace;
        var metadata = nuspec.Element(ns + "metadata")!;
        using var readme = new StreamReader(zip.GetEntry("README.md")?.Open() ?? Stream.Null);
        var dependencies = metadata.Element(ns + "dependencies")?.Descendants(ns + "dependency")
            .Select(d => (d.Attribute("id")!.Value, d.Attribute("version")?.Value ?? "")).Distinct().ToList() ?? [];
        return new Packed(metadata, ns, zip.Entries.Select(e => e.FullName).ToList(), readme.ReadToEnd(), dependencies);
    }
}
