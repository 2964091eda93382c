using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Workbench.Data;
using Workbench.Data.Entities;
using Workbench.Web.Cases;

namespace Workbench.Web.Tests.Health;

public sealed class OperationsHealthTests
{
    private static WorkbenchFactory App(string threshold = "3", string maxAge = "00:05:00") => new()
    {
        Settings =
        {
            ["Operations:OutboxBacklogThreshold"] = threshold,
            ["Operations:OutboxBacklogMaxAge"] = maxAge,
            ["Webhooks:DispatcherEnabled"] = "false", // nothing drains the outbox: the backlog is what the test writes
        },
    };

    private static Task AddEventsAsync(WorkbenchFactory app, int count, DateTimeOffset at) => app.WithDbAsync(async db =>
    {
        for (var i = 0; i < count; i++)
        {
            db.OutboxEvents.Add(Outbox.Event("case.decided", "demo-agent", null, null, at, new { n = i }));
        }
        return await db.SaveChangesAsync();
    });

    private static async Task<(HttpStatusCode Status, string Overall, string Outbox)> ReadyAsync(WorkbenchFactory app)
    {
        using var response = await app.CreateClient().GetAsync("/health/ready");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, body.RootElement.GetProperty("status").GetString()!,
            body.RootElement.GetProperty("checks").GetProperty("outbox").GetProperty("status").GetString()!);
    }

    [Fact]
    public async Task Readiness_is_degraded_while_more_outbox_items_wait_than_the_threshold()
    {
        await using var app = App(threshold: "3");
        Assert.Equal((HttpStatusCode.OK, "healthy", "healthy"), await ReadyAsync(app));

        await AddEventsAsync(app, 3, DateTimeOffset.UtcNow);
        Assert.Equal((HttpStatusCode.OK, "healthy", "healthy"), await ReadyAsync(app)); // at the threshold: fine

        await AddEventsAsync(app, 1, DateTimeOffset.UtcNow);
        // Degraded, not unhealthy: the instance still takes cases, so a load balancer keeps it (200); monitoring sees it.
        Assert.Equal((HttpStatusCode.OK, "degraded", "degraded"), await ReadyAsync(app));

        // Fanned out and delivered: the backlog is gone.
        await app.WithDbAsync(db => db.OutboxEvents.ExecuteUpdateAsync(s => s.SetProperty(e => e.FannedOutAt, DateTimeOffset.UtcNow)));
        Assert.Equal((HttpStatusCode.OK, "healthy", "healthy"), await ReadyAsync(app));

        // Deliveries that are due count too; one waiting out its back-off does not.
        var eventId = await app.WithDbAsync(db => db.OutboxEvents.Select(e => e.Id).FirstAsync());
        await app.WithDbAsync(async db =>
        {
            for (var i = 0; i < 4; i++)
            {
                db.WebhookDeliveries.Add(new WebhookDeliveryRecord
                {
                    EventId = eventId,
                    MessageId = "msg_" + i,
                    Type = "case.decided",
                    ClientId = "demo-agent",
                    TargetKey = "t" + i,
                    Url = "https://example.com/hook",
                    Status = DeliveryStatus.Pending,
                    NextAttemptAt = i == 0 ? DateTimeOffset.UtcNow.AddMinutes(10) : DateTimeOffset.UtcNow.AddSeconds(-1),
                    RetryUntil = DateTimeOffset.UtcNow.AddHours(1),
                });
            }
            return await db.SaveChangesAsync();
        });
        Assert.Equal((HttpStatusCode.OK, "healthy", "healthy"), await ReadyAsync(app)); // 3 due, 1 later
        await app.WithDbAsync(db => db.WebhookDeliveries.Where(d => d.TargetKey == "t0")
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.NextAttemptAt, DateTimeOffset.UtcNow.AddSeconds(-1))));
        Assert.Equal((HttpStatusCode.OK, "degraded", "degraded"), await ReadyAsync(app));
    }

    [Fact]
    public async Task Readiness_is_degraded_when_the_oldest_waiting_event_is_older_than_the_limit()
    {
        await using var app = App(threshold: "1000", maxAge: "00:01:00");
        await AddEventsAsync(app, 1, DateTimeOffset.UtcNow.AddSeconds(-30));
        Assert.Equal((HttpStatusCode.OK, "healthy", "healthy"), await ReadyAsync(app));
        await app.WithDbAsync(db => db.OutboxEvents.ExecuteUpdateAsync(s => s.SetProperty(e => e.CreatedAt, DateTimeOffset.UtcNow.AddMinutes(-2))));
        var (status, overall, outbox) = await ReadyAsync(app);
        Assert.Equal((HttpStatusCode.OK, "degraded", "degraded"), (status, overall, outbox));
    }

    [Fact]
    public async Task Database_errors_tell_an_outage_from_a_refusal()
    {
        // Real exceptions: a PostgreSQL port nobody listens on, a SQLite file another connection holds, a unique index.
        await using (var nobody = new NpgsqlConnection($"Host=127.0.0.1;Port={Processes.FreePort()};Username=x;Timeout=2"))
        {
            var refused = await Assert.ThrowsAnyAsync<NpgsqlException>(() => nobody.OpenAsync());
            Assert.True(DatabaseErrors.IsUnavailable(refused));
            Assert.True(DatabaseErrors.IsUnavailable(new DbUpdateException("save", new InvalidOperationException("transient", refused))));
        }
        var file = Path.Combine(Path.GetTempPath(), "wb-busy-" + Guid.NewGuid().ToString("N") + ".db");
        try
        {
            await using var holder = new SqliteConnection($"Data Source={file};Pooling=false");
            await holder.OpenAsync();
            await Exec(holder, "CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1); BEGIN EXCLUSIVE; INSERT INTO t VALUES (2);");
            await using var other = new SqliteConnection($"Data Source={file};Pooling=false;Default Timeout=1");
            await other.OpenAsync();
            await Exec(other, "PRAGMA busy_timeout = 100;");
            var busy = await Assert.ThrowsAsync<SqliteException>(() => Exec(other, "INSERT INTO t VALUES (3);"));
            Assert.True(DatabaseErrors.IsUnavailable(busy), $"SQLite error {busy.SqliteErrorCode}");
            var duplicate = await Assert.ThrowsAsync<SqliteException>(() => Exec(holder, "INSERT INTO t VALUES (1);"));
            Assert.False(DatabaseErrors.IsUnavailable(duplicate));
            Assert.False(DatabaseErrors.IsUnavailable(new DbUpdateException("save", duplicate)));
            Assert.False(DatabaseErrors.IsUnavailable(new InvalidOperationException("a bug")));
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task Exec(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
