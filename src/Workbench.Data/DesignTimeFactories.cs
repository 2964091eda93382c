using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Workbench.Data;

// Used by `dotnet ef migrations add` only: each provider's migrations are generated against its own context.
// The connection strings are placeholders; no database is contacted when adding a migration.

internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteWorkbenchDbContext>
{
    public SqliteWorkbenchDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteWorkbenchDbContext>().UseSqlite("Data Source=design.db").Options);
}

internal sealed class SqlServerDesignTimeFactory : IDesignTimeDbContextFactory<SqlServerWorkbenchDbContext>
{
    public SqlServerWorkbenchDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqlServerWorkbenchDbContext>().UseSqlServer("Server=localhost;Database=workbench").Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresWorkbenchDbContext>
{
    public PostgresWorkbenchDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresWorkbenchDbContext>().UseNpgsql("Host=localhost;Database=workbench").Options);
}
