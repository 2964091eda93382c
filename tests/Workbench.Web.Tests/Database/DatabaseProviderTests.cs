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

    [Theory]
    [InlineData(null, "this is not a connection string")]
    [InlineData("Sqlite", "Mode=ReadOnly")]
    [InlineData("Postgres", "Host=db;Database=wb;Password=pw-secret;Bogus=1")]
    [InlineData("SqlServer", "Server=db;Database=wb;Password=pw-secret;Encrypt=sometimes")]
    public void A_connection_string_its_driver_does_not_parse_is_refused_naming_the_setting(string? provider, string connection)
    {
        var ex = Assert.Throws<WorkbenchConfigurationException>(() => DatabaseSettings.FromConfiguration(Config(provider, connection)));
        Assert.StartsWith("The setting ConnectionStrings:Workbench is not a ", ex.Message);
        Assert.DoesNotContain("pw-secret", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Theory]
    [InlineData(null, 10_000)]
    [InlineData("00:00:02", 2_000)]
    [InlineData("00:00:00.5", 500)]
    public void The_sqlite_busy_timeout_is_a_setting(string? value, int expectedMs)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Database:Sqlite:BusyTimeout"] = value }).Build();
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), DatabaseSettings.FromConfiguration(configuration).SqliteBusyTimeout);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("00:00:00")]
    [InlineData("01:00:00")]
    public void A_busy_timeout_that_is_not_a_usable_duration_is_refused(string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Database:Sqlite:BusyTimeout"] = value }).Build();
        var ex = Assert.Throws<WorkbenchConfigurationException>(() => DatabaseSettings.FromConfiguration(configuration));
        Assert.Contains($"Database:Sqlite:BusyTimeout is '{value}'", ex.Message);
    }

    private static IConfiguration Config(string? provider, string? connection) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:Provider"] = provider,
            ["ConnectionStrings:Workbench"] = connection,
        }).Build();
}
