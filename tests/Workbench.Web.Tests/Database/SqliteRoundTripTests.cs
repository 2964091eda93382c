using Workbench.Testing.Providers;

namespace Workbench.Web.Tests.Database;

public sealed class SqliteRoundTripTests : RoundTripTests, IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"wb-rt-{Guid.NewGuid():N}.db");

    protected override Task<IServiceProvider> ServicesAsync() => Task.FromResult(Build("Sqlite", $"Data Source={_path}"));

    public void Dispose()
    {
        SqlitePools.Clear(_path);
        File.Delete(_path);
    }
}
