using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Workbench.Data;

namespace Workbench.Web.Tests.Database;

public class DatabaseProviderTests
{
    [Fact]
    public void Sqlite_migrations_match_the_model()
    {
        using var db = new SqliteWorkbenchDbContext(
            new DbContextOptionsBuilder<SqliteWorkbenchDbContext>().UseSqlite("Data Source=:memory:").Options);
        Assert.False(db.Database.HasPendingModelChanges(), "Run src/Workbench.Data/add-migration.sh: the SQLite model changed.");
        Assert.NotEmpty(db.Database.GetMigrations());
    }

    [Fact]
    public void SqlServer_migrations_match_the_model()
    {
        // No SQL Server can run here: the model and its migrations are still checked against each other.
        using var db = new SqlServerWorkbenchDbContext(
            new DbContextOptionsBuilder<SqlServerWorkbenchDbContext>().UseSqlServer("Server=127.0.0.1,1;Database=unused").Options);
        Assert.False(db.Database.HasPendingModelChanges(), "Run src/Workbench.Data/add-migration.sh: the SQL Server model changed.");
        Assert.NotEmpty(db.Database.GetMigrations());
        var script = db.Database.GenerateCreateScript();
        Assert.Contains("CREATE TABLE [cases]", script);
    }

    [Fact]
    public void Postgres_migrations_match_the_model()
    {
        using var db = new PostgresWorkbenchDbContext(
            new DbContextOptionsBuilder<PostgresWorkbenchDbContext>().UseNpgsql("Host=127.0.0.1;Port=1;Database=unused").Options);
        Assert.False(db.Database.HasPendingModelChanges(), "Run src/Workbench.Data/add-migration.sh: the PostgreSQL model changed.");
        Assert.NotEmpty(db.Database.GetMigrations());
    }

    [Theory]
    [InlineData(null, null, DatabaseProvider.Sqlite)]
    [InlineData("sqlite", null, DatabaseProvider.Sqlite)]
    [InlineData("SqlServer", "Server=db;Database=wb", DatabaseProvider.SqlServer)]
    [InlineData("Postgres", "Host=db;Database=wb", DatabaseProvider.Postgres)]
    public void Provider_is_chosen_by_Database_Provider(string? provider, string? connection, DatabaseProvider expected)
    {
        var settings = DatabaseSettings.FromConfiguration(Config(provider, connection));
        Assert.Equal(expected, settings.Provider);
        Assert.Equal(connection ?? DatabaseSettings.DefaultSqliteConnectionString, settings.ConnectionString);
    }

    [Fact]
    public void Unknown_provider_is_refused_naming_the_setting()
    {
        var ex = Assert.Throws<WorkbenchConfigurationException>(() => DatabaseSettings.FromConfiguration(Config("Oracle", "x")));
        Assert.Contains("Database:Provider", ex.Message);
        Assert.Contains("Oracle", ex.Message);
    }

    [Theory]
    [InlineData("SqlServer")]
    [InlineData("Postgres")]
    public void Server_provider_without_connection_string_is_refused_naming_the_setting(string provider)
    {
        var ex = Assert.Throws<WorkbenchConfigurationException>(() => DatabaseSettings.FromConfiguration(Config(provider, null)));
        Assert.Contains("ConnectionStrings:Workbench", ex.Message);
    }

    private static IConfiguration Config(string? provider, string? connection) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:Provider"] = provider,
            ["ConnectionStrings:Workbench"] = connection,
        }).Build();
}
