using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;

// The raw endpoint: what one case costs at least on this machine. POST /ingest parses the body with JsonDocument,
// reads externalId and workflow, and inserts one row (the whole body as text) into SQLite in WAL mode or into
// PostgreSQL (the body compressed with lz4, as Workbench's text columns are there). Usage: RawIntake --urls http://127.0.0.1:PORT --sqlite FILE | --postgres "CONNECTION STRING"
var sqlite = Option(args, "--sqlite");
var postgres = Option(args, "--postgres");
if ((sqlite is null) == (postgres is null))
{
    Console.Error.WriteLine("RawIntake: give exactly one of --sqlite FILE or --postgres CONNECTION_STRING.");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
Func<Guid, string, string, string, Task> insert;
if (sqlite is not null)
{
    var connectionString = $"Data Source={sqlite};Pooling=true";
    await using (var setup = new SqliteConnection(connectionString))
    {
        await setup.OpenAsync();
        await using var create = setup.CreateCommand();
        create.CommandText = "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS raw_cases (id TEXT PRIMARY KEY, external_id TEXT NOT NULL, " +
                             "workflow TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL);";
        await create.ExecuteNonQueryAsync();
    }
    insert = async (id, externalId, workflow, body) =>
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        // synchronous=NORMAL is what WAL mode is run with (the app runs SQLite the same way).
        cmd.CommandText = "PRAGMA synchronous=NORMAL; INSERT INTO raw_cases (id, external_id, workflow, body, created_at) VALUES ($id, $ext, $wf, $body, $at)";
        cmd.Parameters.AddWithValue("$id", id.ToString());
        cmd.Parameters.AddWithValue("$ext", externalId);
        cmd.Parameters.AddWithValue("$wf", workflow);
        cmd.Parameters.AddWithValue("$body", body);
        cmd.Parameters.AddWithValue("$at", DateTime.UtcNow.Ticks);
        await cmd.ExecuteNonQueryAsync();
    };
}
else
{
    var source = NpgsqlDataSource.Create(postgres!);
    app.Lifetime.ApplicationStopped.Register(source.Dispose);
    // The body compresses with lz4, as Workbench's text columns do on PostgreSQL: the same storage on both sides.
    await using (var create = source.CreateCommand("CREATE TABLE IF NOT EXISTS raw_cases (id uuid PRIMARY KEY, external_id text NOT NULL, " +
                                                   "workflow text NOT NULL, body text COMPRESSION lz4 NOT NULL, created_at timestamptz NOT NULL)"))
    {
        await create.ExecuteNonQueryAsync();
    }
    insert = async (id, externalId, workflow, body) =>
    {
        await using var cmd = source.CreateCommand("INSERT INTO raw_cases (id, external_id, workflow, body, created_at) VALUES ($1, $2, $3, $4, $5)");
        cmd.Parameters.AddWithValue(id);
        cmd.Parameters.AddWithValue(externalId);
        cmd.Parameters.AddWithValue(workflow);
        cmd.Parameters.AddWithValue(body);
        cmd.Parameters.AddWithValue(DateTime.UtcNow);
        await cmd.ExecuteNonQueryAsync();
    };
}

app.MapPost("/ingest", async (HttpRequest request) =>
{
    using var buffer = new MemoryStream();
    await request.Body.CopyToAsync(buffer);
    var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    using var json = JsonDocument.Parse(bytes);
    if (json.RootElement.ValueKind != JsonValueKind.Object ||
        !json.RootElement.TryGetProperty("externalId", out var externalId) || externalId.ValueKind != JsonValueKind.String ||
        !json.RootElement.TryGetProperty("workflow", out var workflow) || workflow.ValueKind != JsonValueKind.String)
    {
        return Results.BadRequest();
    }
    var id = Guid.CreateVersion7();
    await insert(id, externalId.GetString()!, workflow.GetString()!, System.Text.Encoding.UTF8.GetString(bytes.Span));
    return Results.Created($"/ingest/{id}", new { id });
});
app.MapGet("/ready", () => Results.Ok());
await app.RunAsync();
return 0;

static string? Option(string[] args, string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
