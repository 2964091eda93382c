using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Contracts;
using Workbench.Core.Policy;
using Workbench.Data;
using Workbench.Data.Entities;
using Workbench.Web.Auditing;
using Workbench.Web.Cases;
using Workbench.Web.Http;
using Workbench.Web.Intake;

namespace Workbench.Web.Tests.Intake;

/// <summary>The group commit of intake: what shares a transaction, what a refused case takes down, what gets announced.</summary>
public sealed class IntakeWriterTests(WorkbenchFactory app) : IClassFixture<WorkbenchFactory>
{
    private const string Client = "demo-agent";

    internal static (CaseRecord Case, AuditEventRecord Audit, IdempotencyRecord? Key) NewCase(
        IServiceProvider services, string sample = Samples.Queues, string? externalId = null, string? key = null, PolicyDecision? decision = null,
        DateTimeOffset? at = null)
    {
        var submission = Samples.Submission(sample, externalId);
        var now = at ?? services.GetRequiredService<TimeProvider>().GetUtcNow(); // the app's clock, as intake takes it
        var id = Guid.CreateVersion7(now);
        decision ??= services.GetRequiredService<IPolicyRuntime>().Evaluate(submission, id, now, Client);
        var record = IntakeService.NewCase(Client, id, submission, decision, now);
        var audit = Web.Cases.Audit.Event("case.submitted", Client, "client", now, id, new { submission.ExternalId }, "test");
        var keyRecord = key is null ? null : new IdempotencyRecord
        {
            ClientId = Client,
            Key = key,
            RequestHash = "hash-" + key,
            CaseId = id,
            ReceiptJson = "{}",
            CreatedAt = now,
            ExpiresAt = now.AddHours(24),
        };
        return (record, audit, keyRecord);
    }

    /// <summary>
    /// Two cases of one sample with the same decision and time — they differ only in their ids, externalId and key — the
    /// first saved through SaveChanges, the second left for the path under test.
    /// </summary>
    internal static async Task<((CaseRecord Case, AuditEventRecord Audit, IdempotencyRecord? Key) ViaEf,
        (CaseRecord Case, AuditEventRecord Audit, IdempotencyRecord? Key) Fast, DateTimeOffset Now)> TwinsOneSavedAsync(WorkbenchFactory app, string sample,
        Action<CaseRecord>? adjust = null)
    {
        var now = app.Services.GetRequiredService<TimeProvider>().GetUtcNow(); // the app's clock, as intake takes it
        var decision = app.Services.GetRequiredService<IPolicyRuntime>().Evaluate(Samples.Submission(sample), Guid.CreateVersion7(now), now, Client);
        var viaEf = NewCase(app.Services, sample, key: "ef-" + Guid.NewGuid(), decision: decision, at: now);
        var fast = NewCase(app.Services, sample, key: "fast-" + Guid.NewGuid(), decision: decision, at: now);
        adjust?.Invoke(viaEf.Case);
        adjust?.Invoke(fast.Case);
        await app.WithDbAsync(async db =>
        {
            db.Cases.Add(viaEf.Case);
            db.AuditEvents.Add(viaEf.Audit);
            db.IdempotencyKeys.Add(viaEf.Key!);
            return await db.SaveChangesAsync();
        });
        return (viaEf, fast, now);
    }

    [Theory]
    [InlineData(Samples.Queues)]
    [InlineData(Samples.Proceeds)]
    [InlineData(Samples.Clarifies)]
    public async Task Sqlite_batch_insert_writes_exactly_the_rows_SaveChanges_writes(string sample)
    {
        var (viaEf, fast, now) = await TwinsOneSavedAsync(app, sample);
        // Another kind of case first, in the same transaction: the fast rows go through the prepared commands that
        // case's rows left behind (other values, nulls in other columns), as every row after a batch's first does.
        var other = NewCase(app.Services, sample == Samples.Proceeds ? Samples.Queues : Samples.Proceeds, key: "other-" + Guid.NewGuid(), at: now.AddSeconds(1));
        var failures = await app.WithDbAsync(db => SqliteBatchInsert.InsertAsync(db,
            [new object[] { other.Key!, other.Case, other.Case.Evaluation!, other.Audit }, new object[] { fast.Key!, fast.Case, fast.Case.Evaluation!, fast.Audit }]));

        Assert.Equal([null, null], failures);
        Assert.True(fast.Audit.Id > viaEf.Audit.Id, "The generated audit id is read back onto the entity, as SaveChanges does.");
        Same(Row("cases", "ExternalId", viaEf.Case.ExternalId), Row("cases", "ExternalId", fast.Case.ExternalId), "Id", "ExternalId", "SubmissionJson", "DecisionJson");
        Same(Row("policy_evaluations", "CaseId", viaEf.Case.Id), Row("policy_evaluations", "CaseId", fast.Case.Id), "CaseId");
        Same(Row("audit_events", "Id", viaEf.Audit.Id), Row("audit_events", "Id", fast.Audit.Id), "Id", "CaseId", "DataJson", "Sequence", "PrevHash", "Hash");
        // Both paths chain the event: the fast ones are the next links after the one SaveChanges wrote.
        Assert.Equal(viaEf.Audit.Sequence + 2, fast.Audit.Sequence);
        Assert.Equal(viaEf.Audit.Hash, other.Audit.PrevHash);
        Assert.Equal(other.Audit.Hash, fast.Audit.PrevHash);
        Same(Row("idempotency_keys", "Key", viaEf.Key!.Key), Row("idempotency_keys", "Key", fast.Key!.Key), "Key", "CaseId", "RequestHash");
        // Keys are stored as EF stores them: EF finds the fast rows by them.
        var back = await app.WithDbAsync(db => db.Cases.AsNoTracking().Include(c => c.Evaluation).SingleAsync(c => c.Id == fast.Case.Id));
        Assert.Equal(fast.Case.SubmissionJson, back.SubmissionJson);
        Assert.Equal(fast.Case.SlaDueAt, back.SlaDueAt);
        Assert.Equal(fast.Case.Status, back.Status);
        Assert.Equal(fast.Case.Evaluation!.TraceJson, back.Evaluation!.TraceJson);
        Assert.Equal(fast.Case.Id, (await app.WithDbAsync(db => db.AuditEvents.AsNoTracking().SingleAsync(a => a.Id == fast.Audit.Id))).CaseId);
        Assert.Equal(fast.Case.Id, (await app.WithDbAsync(db => db.IdempotencyKeys.AsNoTracking().SingleAsync(k => k.Key == fast.Key.Key))).CaseId);
    }

    /// <summary>
    /// The writer binds values itself, through SQLite's C API: values at the edges are stored as SaveChanges stores them
    /// — text over its column's length, empty text, a lone surrogate and non-ASCII text, a decimal, a null.
    /// </summary>
    [Fact]
    public async Task Sqlite_batch_insert_binds_edge_values_as_SaveChanges_does()
    {
        var (viaEf, fast, _) = await TwinsOneSavedAsync(app, Samples.Queues, c =>
        {
            c.ModelCostCurrency = "EURO-" + new string('x', 40);
            c.RequestPreview = "";
            c.CallbackUrl = "https://bücher.example/r\u00e9f\ud800?x=" + '\ud800' + "€";
            c.ModelCostAmount = 1234.5600m;
            c.SlaPausedAt = null;
        });
        var failures = await app.WithDbAsync(db => SqliteBatchInsert.InsertAsync(db,
            [new object[] { fast.Key!, fast.Case, fast.Case.Evaluation!, fast.Audit }]));

        Assert.Equal([null], failures);
        var expected = Row("cases", "ExternalId", viaEf.Case.ExternalId);
        Same(expected, Row("cases", "ExternalId", fast.Case.ExternalId), "Id", "ExternalId", "SubmissionJson", "DecisionJson");
        Assert.Equal("String:", expected["RequestPreview"]);
        Assert.Equal("NULL", expected["SlaPausedAt"]);
    }

    /// <summary>
    /// The savepoint of each group journals the pages the group changes; that journal is kept in memory. In a temporary
    /// file (SQLite's default) a refund-sized case cost ~120 KiB of file writes besides its WAL frames. Measured as the
    /// bytes the writing thread handed to the kernel (Linux's per-thread I/O counters), for a batch that ran whole on
    /// that thread.
    /// </summary>
    [Fact]
    public async Task A_batch_journals_its_savepoints_in_memory_and_writes_little_more_than_its_wal_frames()
    {
        const int Groups = 16;
        var factory = app.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        long written = -1;
        Exception?[]? failures = null;
        for (var attempt = 0; attempt < 5 && written < 0; attempt++)
        {
            var batch = Enumerable.Range(0, Groups).Select(_ => NewCase(app.Services, key: "mem-" + Guid.NewGuid())).ToList();
            // On a thread of its own, so that its counters count this batch alone; a batch that waited for the write gate
            // went on on another thread and is not measured (tried again).
            var thread = new Thread(() =>
            {
                using var db = factory.CreateDbContext();
                var before = ThreadBytesWritten();
                var task = SqliteBatchInsert.InsertAsync(db, batch.Select(b => (IReadOnlyList<object>)[b.Key!, b.Case, b.Case.Evaluation!, b.Audit]).ToList());
                var after = ThreadBytesWritten();
                var whole = task.IsCompleted;
                failures = task.GetAwaiter().GetResult();
                if (whole)
                {
                    written = after - before;
                }
            });
            thread.Start();
            thread.Join();
        }
        Assert.True(written >= 0, "no batch ran whole on its thread in five tries");
        Assert.All(failures!, f => Assert.Null(f));
        // The batch's WAL frames: each page the transaction changed once (16 cases share most of them), a few hundred KiB.
        // A journal in a file would add ~120 KiB per case, ~2 MiB.
        Assert.True(written < 1024 * 1024, $"the batch of {Groups} cases wrote {written / 1024} KiB");
        Assert.True(written > 0, "the batch wrote nothing on its thread");
    }

    /// <summary>
    /// The writer keeps one connection with its INSERTs prepared from batch to batch: opening a pooled connection,
    /// setting it up and preparing the INSERTs again for every batch was about a fifth of the writer's time.
    /// </summary>
    [Fact]
    public async Task The_writer_prepares_its_inserts_once_and_keeps_its_connection_from_batch_to_batch()
    {
        var writer = app.Services.GetRequiredService<IntakeWriter>();
        var session = writer.SqliteSession!;
        var preparedBefore = session.Prepared;
        var cases = new List<(CaseRecord Case, AuditEventRecord Audit, IdempotencyRecord? Key)>();
        for (var b = 0; b < 4; b++)
        {
            var batch = Enumerable.Range(0, 3).Select(_ => NewCase(app.Services, key: "keep-" + Guid.NewGuid())).ToList();
            cases.AddRange(batch);
            await Task.WhenAll(await writer.WriteTogetherAsync(batch));
        }

        // Four tables (key, case, evaluation, event), prepared at most once each on this connection, however many batches.
        Assert.True(session.Prepared - preparedBefore <= 4, $"{session.Prepared - preparedBefore} INSERTs prepared for 4 batches");
        Assert.Equal(1, session.Opens);
        var ids = cases.Select(c => c.Case.Id).ToList();
        Assert.Equal(12, await app.WithDbAsync(db => db.Cases.CountAsync(c => ids.Contains(c.Id))));
    }

    /// <summary>
    /// A checkpoint pass that fails is not silent: the first of a run of failures is a warning (here the database's
    /// directory does not exist yet), and the first pass that works after them says how many failed.
    /// </summary>
    [Fact]
    public async Task A_failing_checkpoint_pass_is_logged_once_and_so_is_its_recovery()
    {
        var directory = Path.Combine(Path.GetTempPath(), "wb-checkpoint-" + Guid.NewGuid().ToString("N"));
        var file = Path.Combine(directory, "workbench.db");
        var logs = new Http.CapturedLogs();
        try
        {
            using var checkpointer = new SqliteWalCheckpointer($"Data Source={file}", logs.CreateLogger("checkpointer"));
            for (var i = 1; i <= 3; i++)
            {
                checkpointer.Poke();
                await UntilAsync(() => checkpointer.Failures >= i, "a failed pass");
            }
            Assert.Equal(0, checkpointer.Passes);
            Assert.Single(logs.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("WAL checkpoint pass failed", StringComparison.Ordinal));

            Directory.CreateDirectory(directory);
            using (var connection = new SqliteConnection($"Data Source={file};Pooling=false"))
            {
                connection.Open();
                using var create = connection.CreateCommand();
                create.CommandText = "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1);";
                create.ExecuteNonQuery();
            }
            checkpointer.Poke();
            await UntilAsync(() => checkpointer.Passes >= 1, "a pass");
            Assert.Contains(logs.Lines, l => l.StartsWith("Information", StringComparison.Ordinal) && l.Contains("work again after 3 failed", StringComparison.Ordinal));
            Assert.Single(logs.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal));
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static async Task UntilAsync(Func<bool> done, string what)
    {
        for (var waited = 0; !done(); waited += 20)
        {
            Assert.True(waited < 10_000, $"no {what} within 10 s");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// The WAL is copied into the database file by a background pass after commits, not inside the writer's commits; the
    /// writer still checkpoints once the WAL reaches its own threshold, which keeps the WAL's size bounded however long
    /// the writing goes on. Here with a threshold of 64 pages and 40 batches, some 4,000 pages of frames in all.
    /// </summary>
    [Fact]
    public async Task Background_passes_copy_the_wal_and_the_writers_threshold_keeps_it_bounded()
    {
        const int Threshold = 64;
        // A database of its own: the WAL's file keeps the largest size it ever had, and this one starts empty.
        await using var fresh = new WorkbenchFactory();
        var factory = fresh.Services.GetRequiredService<IDbContextFactory<WorkbenchDbContext>>();
        using var session = new SqliteBatchInsert.Session(checkpointInBackground: true, walAutoCheckpointPages: Threshold);
        var largestBatch = 0L;
        var ids = new List<Guid>();
        // The migrations and the app's start wrote frames of their own: the WAL starts empty here.
        await fresh.WithDbAsync(db => SqliteSecureDelete.CheckpointAndTruncateWalAsync(db));
        Assert.Equal(0, WalFrames());
        for (var b = 0; b < 40; b++)
        {
            var batch = Enumerable.Range(0, 8).Select(_ => NewCase(fresh.Services, key: "wal-" + Guid.NewGuid())).ToList();
            ids.AddRange(batch.Select(c => c.Case.Id));
            await using var db = await factory.CreateDbContextAsync();
            var before = WalFrames();
            var failures = await session.InsertAsync(db, batch.Select(c => (IReadOnlyList<object>)[c.Key!, c.Case, c.Case.Evaluation!, c.Audit]).ToList());
            Assert.All(failures, f => Assert.Null(f));
            // Growth of the file: a batch's frames, while the WAL has not started over yet.
            largestBatch = Math.Max(largestBatch, WalFrames() - before);
        }
        var checkpointer = session.Checkpointer!;
        for (var wait = 0; wait < 100 && checkpointer.Passes == 0; wait++)
        {
            await Task.Delay(50);
        }

        Assert.True(checkpointer.Passes > 0, "no background pass ran");
        Assert.Equal(0, checkpointer.Failures);
        Assert.True(largestBatch > 0, "no batch added frames to the WAL");
        // Without a checkpoint that lets the WAL start over, 40 batches leave 40 batches' frames in it. With one, the WAL
        // passes the threshold by a batch, or by a few when the writer's checkpoint finds a background pass running
        // (it then skips and tries again at the next commit).
        var walFrames = WalFrames();
        Assert.True(walFrames <= Threshold + 10 * largestBatch,
            $"the WAL holds {walFrames} frames after 40 batches (threshold {Threshold} pages, largest batch {largestBatch} frames)");
        Assert.Equal(ids.Count, await fresh.WithDbAsync(db => db.Cases.CountAsync(c => ids.Contains(c.Id))));

        // Frames in the WAL file: its size less the header, over the frame size (header + page).
        long WalFrames() => File.Exists(fresh.DatabasePath + "-wal") ? Math.Max(0, (new FileInfo(fresh.DatabasePath + "-wal").Length - 32) / (4096 + 24)) : 0;
    }

    /// <summary>This thread's bytes handed to write system calls (files and sockets), from /proc/thread-self/io.</summary>
    private static long ThreadBytesWritten() =>
        long.Parse(File.ReadLines("/proc/thread-self/io").First(l => l.StartsWith("wchar:", StringComparison.Ordinal))["wchar:".Length..].Trim());

    [Fact]
    public async Task A_refused_case_is_undone_alone_and_the_rest_of_its_batch_commits_in_one_transaction()
    {
        var writer = app.Services.GetRequiredService<IntakeWriter>();
        var taken = NewCase(app.Services, key: "taken-" + Guid.NewGuid());
        await writer.WriteAsync(taken.Case, taken.Audit, taken.Key, CancellationToken.None);

        var batch = Enumerable.Range(0, 6).Select(_ => NewCase(app.Services, key: "k-" + Guid.NewGuid())).ToList();
        batch[1] = NewCase(app.Services, externalId: taken.Case.ExternalId, key: "dup-external-" + Guid.NewGuid()); // its key row goes in first, then must go
        batch[4] = NewCase(app.Services, key: taken.Key!.Key); // refused at its first row
        var before = writer.Transactions;

        var results = await writer.WriteTogetherAsync(batch);

        Assert.Equal(1, writer.Transactions - before);
        await Assert.ThrowsAsync<DbUpdateException>(() => results[1]);
        await Assert.ThrowsAsync<DbUpdateException>(() => results[4]);
        foreach (var i in new[] { 0, 2, 3, 5 })
        {
            await results[i];
        }
        var ids = batch.Select(b => b.Case.Id).ToList();
        var keys = batch.Select(b => b.Key!.Key).ToList();
        var committed = await app.WithDbAsync(db => db.Cases.Where(c => ids.Contains(c.Id)).Select(c => c.Id).ToListAsync());
        Assert.Equal(new[] { 0, 2, 3, 5 }.Select(i => ids[i]).Order(), committed.Order());
        Assert.Equal(4, await app.WithDbAsync(db => db.PolicyEvaluations.CountAsync(e => ids.Contains(e.CaseId))));
        Assert.Equal(4, await app.WithDbAsync(db => db.AuditEvents.CountAsync(a => a.CaseId != null && ids.Contains(a.CaseId.Value))));
        Assert.Equal(4, await app.WithDbAsync(db => db.IdempotencyKeys.CountAsync(k => keys.Contains(k.Key) && k.CaseId != taken.Case.Id)));
        Assert.False(await app.WithDbAsync(db => db.IdempotencyKeys.AnyAsync(k => k.Key == batch[1].Key!.Key)));
        Assert.Equal(taken.Case.Id, await app.WithDbAsync(db => db.IdempotencyKeys.Where(k => k.Key == taken.Key.Key).Select(k => k.CaseId).SingleAsync()));

        // The refused cases' audit events gave back their places in the hash chain: no gap, the chain verifies.
        var admin = await app.SignedInAs("adam");
        var verify = await admin.GetFromJsonAsync<AuditVerifyResult>("/api/v1/audit/verify", WorkbenchJson.Options);
        Assert.True(verify!.Intact, verify.Break?.Message);
        var sequences = await app.WithDbAsync(db => db.AuditEvents.OrderBy(a => a.Sequence).Select(a => a.Sequence).ToListAsync());
        Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i), sequences);
    }

    [Fact]
    public async Task A_caller_that_stops_waiting_still_gets_its_case_committed_and_announced()
    {
        var intake = app.Services.GetRequiredService<IntakeService>();
        var json = Samples.Json(Samples.Queues);
        var externalId = json["externalId"]!.GetValue<string>();
        var body = Encoding.UTF8.GetBytes(json.ToJsonString());
        var submission = JsonSerializer.Deserialize<CaseSubmission>(body, JsonBody.Options)!;
        var created = new ConcurrentQueue<CaseEvent>();
        using var _ = app.Services.GetRequiredService<CaseEvents>().Subscribe(e =>
        {
            if (e.Kind == "created")
            {
                created.Enqueue(e);
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            intake.SubmitAsync(Client, "gone-" + Guid.NewGuid(), body, submission, "test", new CancellationToken(canceled: true)));

        var deadline = DateTime.UtcNow.AddSeconds(10);
        Guid? id = null;
        while (id is null && DateTime.UtcNow < deadline)
        {
            id = await app.WithDbAsync(db => db.Cases.Where(c => c.ExternalId == externalId).Select(c => (Guid?)c.Id).SingleOrDefaultAsync());
            await Task.Delay(id is null ? 20 : 0);
        }
        Assert.NotNull(id);
        while (!created.Any(e => e.CaseId == id) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        var announced = Assert.Single(created, e => e.CaseId == id);
        Assert.Equal("policy-legal", announced.Queue);
        Assert.Equal(CaseStatus.Queued, announced.Status);
        Assert.Equal(Client, announced.Actor);
    }

    /// <summary>Every column stores the same storage class; all but those that differ by design (ids, texts holding ids) the same value.</summary>
    internal static void Same(Dictionary<string, string> expected, Dictionary<string, string> actual, params string[] differ)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        var wrong = expected.Keys.Where(k => differ.Contains(k)
            ? expected[k].Split(':')[0] != actual[k].Split(':')[0]
            : expected[k] != actual[k]).ToList();
        Assert.True(wrong.Count == 0, "Columns written differently: " + string.Join("; ", wrong.Select(k => $"{k}: {expected[k]} vs {actual[k]}")));
    }

    /// <summary>A row as SQLite stores it: each column's storage class and value.</summary>
    private Dictionary<string, string> Row(string table, string column, object value)
    {
        using var connection = new SqliteConnection($"Data Source={app.DatabasePath};Pooling=false");
        connection.Open();
        using var cmd = connection.CreateCommand();
        // Guids are compared as EF stores them: look the row up through a column whose text the test knows, or by rowid.
        cmd.CommandText = value is Guid
            ? $"SELECT * FROM \"{table}\" WHERE upper(\"{column}\") = upper($v)"
            : $"SELECT * FROM \"{table}\" WHERE \"{column}\" = $v";
        cmd.Parameters.AddWithValue("$v", value is Guid g ? g.ToString() : value);
        using var reader = cmd.ExecuteReader();
        Assert.True(reader.Read(), $"No row in {table} where {column} = {value}");
        var row = new Dictionary<string, string>();
        for (var i = 0; i < reader.FieldCount; i++)
        {
            row[reader.GetName(i)] = reader.IsDBNull(i) ? "NULL" : $"{reader.GetFieldType(i).Name}:{Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)}";
        }
        Assert.False(reader.Read());
        return row;
    }
}
