using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Workbench.Data;

public enum DatabaseProvider
{
    Sqlite,
    SqlServer,
    Postgres,
}

/// <summary>A setting that makes start-up impossible; the message names the setting.</summary>
public sealed class WorkbenchConfigurationException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The provider and connection string, read and checked in the one place where the provider is chosen.</summary>
public sealed record DatabaseSettings(DatabaseProvider Provider, string ConnectionString)
{
    public const string ProviderKey = "Database:Provider";
    public const string ConnectionStringKey = "ConnectionStrings:Workbench";
    public const string MigrateAtStartupKey = "Database:MigrateAtStartup";
    public const string DefaultSqliteConnectionString = "Data Source=data/workbench.db";
    public const string SqliteBusyTimeoutKey = "Database:Sqlite:BusyTimeout";
    public static readonly TimeSpan DefaultSqliteBusyTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// SQLite: how long a write waits for the lock (this instance's other writers, then another process on the file)
    /// before it fails as unavailable (the API's 503 with Retry-After). Readiness's probe write waits as long.
    /// </summary>
    public TimeSpan SqliteBusyTimeout { get; init; } = DefaultSqliteBusyTimeout;

    public static DatabaseSettings FromConfiguration(IConfiguration configuration)
    {
        var providerText = configuration[ProviderKey];
        DatabaseProvider provider;
        if (string.IsNullOrWhiteSpace(providerText))
        {
            provider = DatabaseProvider.Sqlite;
        }
        else if (!Enum.TryParse(providerText.Trim(), ignoreCase: true, out provider) || !Enum.IsDefined(provider))
        {
            throw new WorkbenchConfigurationException(
                $"The setting {ProviderKey} is '{providerText}', which is not a database provider Workbench knows. Use Sqlite, SqlServer or Postgres.");
        }

        var connectionString = configuration.GetConnectionString("Workbench");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            if (provider != DatabaseProvider.Sqlite)
            {
                throw new WorkbenchConfigurationException(
                    $"{ProviderKey} is {provider} but {ConnectionStringKey} is not set. Set it to the {provider} connection string " +
                    $"(environment variable ConnectionStrings__Workbench).");
            }
            connectionString = DefaultSqliteConnectionString;
        }
        CheckConnectionString(provider, connectionString);
        return new DatabaseSettings(provider, connectionString) { SqliteBusyTimeout = ReadBusyTimeout(configuration) };
    }

    /// <summary>
    /// Parses the connection string with the provider's own builder, so that a malformed one stops start-up with one
    /// line here rather than an exception (and a stack trace) from the first connection. The message names the setting
    /// and what the driver refused — a keyword, never a value, so no password is shown.
    /// </summary>
    private static void CheckConnectionString(DatabaseProvider provider, string connectionString)
    {
        try
        {
            System.Data.Common.DbConnectionStringBuilder parsed = provider switch
            {
                DatabaseProvider.Sqlite => new SqliteConnectionStringBuilder(connectionString),
                DatabaseProvider.SqlServer => new Microsoft.Data.SqlClient.SqlConnectionStringBuilder(connectionString),
                _ => new Npgsql.NpgsqlConnectionStringBuilder(connectionString),
            };
            if (provider == DatabaseProvider.Sqlite && string.IsNullOrWhiteSpace(((SqliteConnectionStringBuilder)parsed).DataSource))
            {
                throw new ArgumentException("it names no Data Source (the database file)");
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            throw new WorkbenchConfigurationException(
                $"The setting {ConnectionStringKey} is not a {provider} connection string: {ex.Message.TrimEnd('.')}. " +
                $"Expected for example {Example(provider)}.");
        }
    }

    private static string Example(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => "'Data Source=data/workbench.db'",
        DatabaseProvider.SqlServer => "'Server=tcp:db,1433;Database=workbench;User Id=workbench;Password=…;Encrypt=True'",
        _ => "'Host=db;Database=workbench;Username=workbench;Password=…'",
    };

    private static TimeSpan ReadBusyTimeout(IConfiguration configuration)
    {
        var text = configuration[SqliteBusyTimeoutKey];
        if (string.IsNullOrWhiteSpace(text))
        {
            return DefaultSqliteBusyTimeout;
        }
        return TimeSpan.TryParse(text.Trim(), System.Globalization.CultureInfo.InvariantCulture, out var value) &&
               value >= TimeSpan.FromMilliseconds(100) && value <= TimeSpan.FromMinutes(10)
            ? value
            : throw new WorkbenchConfigurationException(
                $"The setting {SqliteBusyTimeoutKey} is '{text}'; use a time between 00:00:00.1 and 00:10:00, for example 00:00:10.");
    }

    // One gate per settings object (one per app): every context of this database takes turns writing. Made on first
    // use, after the init-only busy timeout is set.
    private SqliteWriteGate SqliteWriteGateInstance => LazyInitializer.EnsureInitialized(ref _sqliteWriteGate, () => new SqliteWriteGate(SqliteBusyTimeout));
    private SqliteWriteGate? _sqliteWriteGate;
    private SqliteConnectionSetup SqliteConnectionSetupInstance =>
        LazyInitializer.EnsureInitialized(ref _sqliteConnectionSetup, () => new SqliteConnectionSetup(SqliteWriteGateInstance));
    private SqliteConnectionSetup? _sqliteConnectionSetup;
    // One per app too: on SQLite it caches the head of the audit chain.
    internal AuditChainInterceptor AuditChainInstance { get; } = new(Provider);

    /// <summary>The one place where the provider is applied to options.</summary>
    public void Apply(DbContextOptionsBuilder options)
    {
        switch (Provider)
        {
            case DatabaseProvider.Sqlite:
                // The chain after the gate: it relies on the gate's turn-taking.
                options.UseSqlite(ConnectionString).AddInterceptors(SqliteConnectionSetupInstance, SqliteWriteGateInstance, AuditChainInstance);
                break;
            case DatabaseProvider.SqlServer:
                // No EnableRetryOnFailure: a retrying strategy refuses the transaction the audit chain opens around a
                // save (lock, read the head, insert, commit), and a retried save would have to redo that whole turn.
                options.UseSqlServer(ConnectionString).AddInterceptors(AuditChainInstance);
                break;
            case DatabaseProvider.Postgres:
                options.UseNpgsql(ConnectionString).AddInterceptors(AuditChainInstance);
                break;
            default:
                throw new WorkbenchConfigurationException($"Unknown provider {Provider}.");
        }
        // EF logs a failed command and a failed save at error level, with the stack, before the caller even sees the
        // exception. Several failures are expected and handled where they happen — a lost idempotency race, a
        // duplicate externalId, a claim race (unique violations and concurrency conflicts answered as 200/409) — and
        // were logged as failures all the same. Every other failure still propagates and is logged once where it is
        // not handled (the API's exception handler, a background service's loop): EF's copy goes to debug.
        options.ConfigureWarnings(w => w.Log(
            (CoreEventId.SaveChangesFailed, LogLevel.Debug),
            (RelationalEventId.CommandError, LogLevel.Debug)));
    }
}

public static class DataExtensions
{
    /// <summary>Registers <see cref="IDbContextFactory{WorkbenchDbContext}"/> for the configured provider.</summary>
    public static IHostApplicationBuilder AddWorkbenchData(this IHostApplicationBuilder builder)
    {
        var settings = DatabaseSettings.FromConfiguration(builder.Configuration);
        builder.Services.AddSingleton(settings);
        var keysPath = builder.Configuration[DataProtectionKeysPathKey];
        switch (settings.Provider)
        {
            case DatabaseProvider.Sqlite:
                Register<SqliteWorkbenchDbContext>(builder.Services, settings, keysPath);
                break;
            case DatabaseProvider.SqlServer:
                Register<SqlServerWorkbenchDbContext>(builder.Services, settings, keysPath);
                break;
            case DatabaseProvider.Postgres:
                Register<PostgresWorkbenchDbContext>(builder.Services, settings, keysPath);
                break;
        }
        return builder;
    }

    /// <summary>When set, the Data Protection keys live in this folder (a share every instance mounts) instead of the database.</summary>
    public const string DataProtectionKeysPathKey = "DataProtection:KeysPath";

    private static void Register<TContext>(IServiceCollection services, DatabaseSettings settings, string? keysPath)
        where TContext : WorkbenchDbContext
    {
        services.AddPooledDbContextFactory<TContext>(settings.Apply);
        services.AddSingleton<IDbContextFactory<WorkbenchDbContext>>(
            sp => new ProviderContextFactory<TContext>(sp.GetRequiredService<IDbContextFactory<TContext>>()));

        // Sign-in cookies, antiforgery tokens and Blazor circuits are protected with the Data Protection key ring.
        // Kept in the database, every instance behind the load balancer reads the same keys, and they survive a
        // redeploy: without it each instance makes its own and a cookie from one is garbage to the next.
        var dataProtection = services.AddDataProtection().SetApplicationName("Workbench");
        if (string.IsNullOrWhiteSpace(keysPath))
        {
            // The key repository resolves the context from a scope: a pooled one, returned to the pool with the scope.
            services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<TContext>>().CreateDbContext());
            dataProtection.PersistKeysToDbContext<TContext>();
        }
        else
        {
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(keysPath));
        }
    }

    /// <summary>
    /// Whether start-up applies migrations (<c>Database:MigrateAtStartup</c>): by default yes in Development (zero
    /// setup) and no elsewhere, where migrations are a deployment step (<c>Workbench.Web migrate</c>) run once, not
    /// by N instances racing each other at start-up with the app's (narrower) database rights.
    /// </summary>
    public static bool MigrateAtStartup(IConfiguration configuration, bool isDevelopment)
    {
        var text = configuration[DatabaseSettings.MigrateAtStartupKey];
        if (string.IsNullOrWhiteSpace(text))
        {
            return isDevelopment;
        }
        return bool.TryParse(text.Trim(), out var value)
            ? value
            : throw new WorkbenchConfigurationException($"The setting {DatabaseSettings.MigrateAtStartupKey} is '{text}'; use true or false.");
    }

    /// <summary>
    /// Creates or migrates the database and returns the migrations it applied. A database that cannot be reached
    /// stops start-up with one message naming the setting, not a stack trace from deep inside a driver.
    /// </summary>
    public static Task<IReadOnlyList<string>> MigrateWorkbenchDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default) =>
        WithDatabaseAsync<IReadOnlyList<string>>(services, async (db, settings) =>
        {
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            await db.Database.MigrateAsync(cancellationToken);
            await AuditChain.SealUnchainedAsync(db, cancellationToken);
            if (settings.Provider == DatabaseProvider.Sqlite)
            {
                // WAL lets readers (the queue pages) run beside the writer (intake); it persists in the file.
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
            }
            return pending;
        }, cancellationToken);

    /// <summary>
    /// Refuses to start against a database that is missing migrations (or does not exist yet), naming the command
    /// that applies them: an app that ran against an older schema would fail on its first query instead.
    /// </summary>
    public static Task EnsureWorkbenchDatabaseIsCurrentAsync(this IServiceProvider services, CancellationToken cancellationToken = default) =>
        WithDatabaseAsync(services, async (db, settings) =>
        {
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            if (pending.Count > 0)
            {
                throw new WorkbenchConfigurationException(
                    $"The {settings.Provider} database ({Describe(settings)}) has {pending.Count} pending migration(s), the last " +
                    $"{pending[^1]}, and {DatabaseSettings.MigrateAtStartupKey} is false. Apply them first with " +
                    "'dotnet Workbench.Web.dll migrate' (or 'dotnet run --project src/Workbench.Web -- migrate').");
            }
            return 0;
        }, cancellationToken);

    private static async Task<T> WithDatabaseAsync<T>(
        IServiceProvider services, Func<WorkbenchDbContext, DatabaseSettings, Task<T>> work, CancellationToken cancellationToken)
    {
        var settings = services.GetRequiredService<DatabaseSettings>();
        try
        {
            if (settings.Provider == DatabaseProvider.Sqlite)
            {
                EnsureSqliteDirectory(settings.ConnectionString);
            }
            await using var db = MigrationContext(settings, services.GetService<ILoggerFactory>());
            return await work(db, settings);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not WorkbenchConfigurationException)
        {
            throw new WorkbenchConfigurationException(
                $"Cannot open the {settings.Provider} database set by {DatabaseSettings.ConnectionStringKey} " +
                $"({Describe(settings)}): {ex.GetBaseException().Message}", ex);
        }
    }

    /// <summary>
    /// A context for migrating: a database that does not exist yet is expected here, and EF logs the failed connection
    /// of its existence check at error level (twice) before it creates the database. That event goes to debug for this
    /// context only; a database that cannot be reached still fails with the one line of <see cref="WithDatabaseAsync{T}"/>.
    /// </summary>
    private static WorkbenchDbContext MigrationContext(DatabaseSettings settings, ILoggerFactory? loggers)
    {
        DbContextOptions<TContext> Options<TContext>() where TContext : DbContext
        {
            var options = new DbContextOptionsBuilder<TContext>();
            settings.Apply(options);
            options.ConfigureWarnings(w => w.Log((RelationalEventId.ConnectionError, LogLevel.Debug)));
            if (loggers is not null)
            {
                options.UseLoggerFactory(loggers);
            }
            return options.Options;
        }
        return settings.Provider switch
        {
            DatabaseProvider.Sqlite => new SqliteWorkbenchDbContext(Options<SqliteWorkbenchDbContext>()),
            DatabaseProvider.SqlServer => new SqlServerWorkbenchDbContext(Options<SqlServerWorkbenchDbContext>()),
            DatabaseProvider.Postgres => new PostgresWorkbenchDbContext(Options<PostgresWorkbenchDbContext>()),
            _ => throw new WorkbenchConfigurationException($"Unknown provider {settings.Provider}."),
        };
    }

    private static void EnsureSqliteDirectory(string connectionString)
    {
        var dataSource = new SqliteConnectionStringBuilder(connectionString).DataSource;
        var directory = Path.GetDirectoryName(Path.GetFullPath(dataSource));
        if (!string.IsNullOrEmpty(directory) && dataSource != ":memory:")
        {
            Directory.CreateDirectory(directory);
        }
    }

    /// <summary>The server and database of a connection string, never its password.</summary>
    private static string Describe(DatabaseSettings settings)
    {
        System.Data.Common.DbConnectionStringBuilder parts;
        try
        {
            parts = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = settings.ConnectionString };
        }
        catch (ArgumentException)
        {
            // Building an error message must not fail in its turn: the string was refused by its driver already.
            return "a connection string that does not parse";
        }
        var shown = new[] { "Data Source", "Server", "Host", "Port", "Database", "Initial Catalog" }
            .Where(parts.ContainsKey)
            .Select(k => $"{k}={parts[k]}");
        return string.Join(";", shown);
    }
}

internal sealed class ProviderContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<WorkbenchDbContext>
    where TContext : WorkbenchDbContext
{
    public WorkbenchDbContext CreateDbContext() => inner.CreateDbContext();

    public async Task<WorkbenchDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
        await inner.CreateDbContextAsync(cancellationToken);
}
