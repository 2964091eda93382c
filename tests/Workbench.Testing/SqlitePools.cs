using Microsoft.Data.Sqlite;

namespace Workbench.Testing;

public static class SqlitePools
{
    /// <summary>
    /// Closes the pooled connections to one database file, opened as the app opens it (<c>Data Source=path</c>), so
    /// that the file can be deleted. Not <see cref="SqliteConnection.ClearAllPools"/>: tests run side by side, and that
    /// would also close the idle connections of the apps beside this one, whose next request would then open their
    /// file anew — which a test that made its file unreachable on purpose relies on not happening.
    /// </summary>
    public static void Clear(string databasePath)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath}");
        SqliteConnection.ClearPool(connection);
    }
}
