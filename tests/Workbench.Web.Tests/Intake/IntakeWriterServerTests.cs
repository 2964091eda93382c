using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workbench.Contracts;
using Workbench.Core.Audit;
using Workbench.Core.Cases;
using Workbench.Data;
using Workbench.Web.Auditing;
using Workbench.Web.Cases;
using Workbench.Web.Intake;

namespace Workbench.Web.Tests.Intake;

/// <summary>
/// The group commit on PostgreSQL, where the batch goes as one INSERT per table (PostgresBatchInsert), and what a receipt
/// says against what PostgreSQL gives back. It starts a PostgreSQL cluster, yet runs here rather than in
/// Workbench.System.Tests: it calls the writer's internal group write, and Workbench.Web shows its internals to this
/// project only.
/// </summary>
public sealed class IntakeWriterServerTests(PostgresServer postgres) : IClassFixture<PostgresServer>, IAsyncLifetime
{
    private WorkbenchFactory _app = null!;

    public Task InitializeAsync()
    {
        _app = new WorkbenchFactory
        {
            Settings =
            {
                ["Database:Provider"] = "Postgres",
                ["ConnectionStrings:Workbench"] = postgres.ConnectionString("writer_" + Guid.NewGuid().ToString("N")[..10]),
            },
        };
        _ = _app.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_refused_case_splits_its_batch_in_halves_not_into_one_commit_per_case()
    {
        var writer = _app.Services.GetRequiredService<IntakeWriter>();
        var taken = IntakeWriterTests.NewCase(_app.Services, key: "taken-" + Guid.NewGuid());
        await writer.WriteAsync(taken.Case, taken.Audit, taken.Key, CancellationToken.None);
        var batch = Enumerable.Range(0, 32).Select(_ => IntakeWriterTests.NewCase(_app.Services, key: "k-" + Guid.NewGuid())).ToList();
        batch[21] = IntakeWriterTests.NewCase(_app.Services, externalId: taken.Case.ExternalId, key: "dup-" + Guid.NewGuid());
        var before = writer.Transactions;

        var results = await writer.WriteTogetherAsync(batch);

        await Assert.ThrowsAsync<DbUpdateException>(() => results[21]);
        for (var i = 0; i < batch.Count; i++)
        {
            if (i != 21)
            {
                await results[i];
            }
        }
        // 32 → 16 + 16 → 8 + 8 → 4 + 4 → 2 + 2 → 1 + 1: 11 transactions; one per case would be 33.
        Assert.InRange(writer.Transactions - before, 2, 11);
        var ids = batch.Select(b => b.Case.Id).ToList();
        Assert.Equal(31, await _app.WithDbAsync(db => db.Cases.CountAsync(c => ids.Contains(c.Id))));
        Assert.Equal(31, await _app.WithDbAsync(db => db.AuditEvents.CountAsync(a => a.CaseId != null && ids.Contains(a.CaseId.Value))));
        Assert.False(await _app.WithDbAsync(db => db.IdempotencyKeys.AnyAsync(k => k.Key == batch[21].Key!.Key)));
    }

    [Fact]
    public async Task A_batch_with_one_duplicate_commits_the_others_and_refuses_that_one()
    {
        var writer = _app.Services.GetRequiredService<IntakeWriter>();
        var taken = IntakeWriterTests.NewCase(_app.Services, key: "taken-" + Guid.NewGuid());
        await writer.WriteAsync(taken.Case, taken.Audit, taken.Key, CancellationToken.None);
        var batch = Enumerable.Range(0, 8).Select(_ => IntakeWriterTests.NewCase(_app.Services, key: "k-" + Guid.NewGuid())).ToList();
        batch[5] = IntakeWriterTests.NewCase(_app.Services, key: taken.Key!.Key); // the idempotency key another request won
        var before = writer.Transactions;

        var results = await writer.WriteTogetherAsync(batch);

        var refused = await Assert.ThrowsAsync<DbUpdateException>(() => results[5]);
        Assert.False(DatabaseErrors.IsUnavailable(refused), "A refused key is a conflict, not an outage: intake answers it with the earlier receipt.");
        foreach (var i in Enumerable.Range(0, batch.Count).Where(i => i != 5))
        {
            await results[i];
        }
        // The whole batch first (refused, rolled back), then halves: 8 → 4 + 4 → 2 + 2 → 1 + 1.
        Assert.InRange(writer.Transactions - before, 2, 7);
        var ids = batch.Select(b => b.Case.Id).ToList();
        var committed = await _app.WithDbAsync(db => db.Cases.Where(c => ids.Contains(c.Id)).Select(c => c.Id).ToListAsync());
        Assert.Equal(ids.Where((_, i) => i != 5).Order(), committed.Order());
        Assert.Equal(7, await _app.WithDbAsync(db => db.PolicyEvaluations.CountAsync(e => ids.Contains(e.CaseId))));
        Assert.Equal(7, await _app.WithDbAsync(db => db.AuditEvents.CountAsync(a => a.CaseId != null && ids.Contains(a.CaseId.Value))));
        Assert.Equal(taken.Case.Id, await _app.WithDbAsync(db => db.IdempotencyKeys.Where(k => k.Key == taken.Key.Key).Select(k => k.CaseId).SingleAsync()));
        // The database gave each committed event its id, and it is on the entity, as after SaveChanges.
        foreach (var b in batch.Where((_, i) => i != 5))
        {
            Assert.Equal(b.Case.Id, await _app.WithDbAsync(db => db.AuditEvents.Where(a => a.Id == b.Audit.Id).Select(a => a.CaseId).SingleAsync()));
        }
        await ChainAndTreeHoldAsync(batch.Where((_, i) => i != 5).Select(b => b.Audit.Sequence).ToList());
    }

    [Fact]
    public async Task Two_cases_in_one_batch_with_the_same_external_id_commit_the_first_and_refuse_the_second()
    {
        var writer = _app.Services.GetRequiredService<IntakeWriter>();
        var batch = Enumerable.Range(0, 4).Select(_ => IntakeWriterTests.NewCase(_app.Services, key: "k-" + Guid.NewGuid())).ToList();
        batch[3] = IntakeWriterTests.NewCase(_app.Services, externalId: batch[1].Case.ExternalId, key: "same-" + Guid.NewGuid());

        var results = await writer.WriteTogetherAsync(batch);

        await Assert.ThrowsAsync<DbUpdateException>(() => results[3]);
        await Task.WhenAll(results.Take(3));
        var ids = batch.Select(b => b.Case.Id).ToList();
        Assert.Equal(3, await _app.WithDbAsync(db => db.Cases.CountAsync(c => ids.Contains(c.Id))));
        Assert.False(await _app.WithDbAsync(db => db.IdempotencyKeys.AnyAsync(k => k.Key == batch[3].Key!.Key)));
    }

    [Fact]
    public async Task A_value_longer_than_its_column_is_refused_with_nothing_written_not_cut_to_fit()
    {
        var writer = _app.Services.GetRequiredService<IntakeWriter>();
        var tooLong = IntakeWriterTests.NewCase(_app.Services, key: new string('k', 300)); // idempotency_keys.Key holds 255

        var results = await writer.WriteTogetherAsync([tooLong]);

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => results[0]);
        Assert.Contains("too long", refused.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.False(await _app.WithDbAsync(db => db.Cases.AnyAsync(c => c.Id == tooLong.Case.Id)));
        Assert.False(await _app.WithDbAsync(db => db.IdempotencyKeys.AnyAsync(k => k.CaseId == tooLong.Case.Id)));
    }

    [Theory]
    [InlineData(Samples.Queues)]
    [InlineData(Samples.Proceeds)]
    [InlineData(Samples.Clarifies)]
    public async Task The_batch_path_writes_exactly_the_rows_and_columns_SaveChanges_writes(string sample)
    {
        var (viaEf, fast, now) = await IntakeWriterTests.TwinsOneSavedAsync(_app, sample);
        // Another kind of case in the same batch, first: its rows share the multi-row INSERTs (other values, nulls elsewhere).
        var other = IntakeWriterTests.NewCase(_app.Services, sample == Samples.Proceeds ? Samples.Queues : Samples.Proceeds, key: "other-" + Guid.NewGuid(), at: now.AddSeconds(1));

        var results = await _app.Services.GetRequiredService<IntakeWriter>().WriteTogetherAsync([other, fast]);
        await Task.WhenAll(results);

        IntakeWriterTests.Same(await RowAsync("cases", "Id", viaEf.Case.Id), await RowAsync("cases", "Id", fast.Case.Id), "Id", "ExternalId", "SubmissionJson", "DecisionJson");
        IntakeWriterTests.Same(await RowAsync("policy_evaluations", "CaseId", viaEf.Case.Id), await RowAsync("policy_evaluations", "CaseId", fast.Case.Id), "CaseId");
        IntakeWriterTests.Same(await RowAsync("audit_events", "Id", viaEf.Audit.Id), await RowAsync("audit_events", "Id", fast.Audit.Id),
            "Id", "CaseId", "DataJson", "Sequence", "PrevHash", "Hash");
        IntakeWriterTests.Same(await RowAsync("idempotency_keys", "Key", viaEf.Key!.Key), await RowAsync("idempotency_keys", "Key", fast.Key!.Key), "Key", "CaseId", "RequestHash");
        Assert.Equal(viaEf.Case.SpotCheckItem is null, fast.Case.SpotCheckItem is null);
        if (viaEf.Case.SpotCheckItem is not null)
        {
            IntakeWriterTests.Same(await RowAsync("spot_checks", "CaseId", viaEf.Case.Id), await RowAsync("spot_checks", "CaseId", fast.Case.Id), "CaseId");
        }
        // Both paths chain: the batch's events are the next links after the one SaveChanges wrote.
        Assert.Equal(viaEf.Audit.Sequence + 2, fast.Audit.Sequence);
        Assert.Equal(viaEf.Audit.Hash, other.Audit.PrevHash);
        Assert.Equal(other.Audit.Hash, fast.Audit.PrevHash);
        // EF reads the batch's rows back as it wrote its own.
        var back = await _app.WithDbAsync(db => db.Cases.AsNoTracking().Include(c => c.Evaluation).SingleAsync(c => c.Id == fast.Case.Id));
        Assert.Equal(fast.Case.SubmissionJson, back.SubmissionJson);
        Assert.Equal(fast.Case.SlaDueAt, back.SlaDueAt);
        Assert.Equal(fast.Case.Status, back.Status);
        Assert.Equal(fast.Case.ModelCostAmount, back.ModelCostAmount);
        Assert.Equal(fast.Case.Evaluation!.TraceJson, back.Evaluation!.TraceJson);
        await ChainAndTreeHoldAsync([other.Audit.Sequence, fast.Audit.Sequence]);
    }

    [Fact]
    public async Task A_request_with_a_character_above_U_FFFF_where_its_preview_ends_is_accepted_and_the_preview_ends_before_it()
    {
        // The queue grid's preview keeps the request's first 500 characters. An emoji is two UTF-16 units; cut between
        // them, the preview would end in half a character, which PostgreSQL's client refuses to encode.
        var body = Samples.Json(Samples.Queues);
        var request = new string('a', 499) + "\U0001F600 and the rest of the request.";
        body["request"] = request;
        var response = await _app.ApiClient().PostAsJsonAsync("/api/v1/cases", body);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        var externalId = body["externalId"]!.GetValue<string>();
        var stored = await _app.WithDbAsync(db => db.Cases.Where(c => c.ExternalId == externalId).Select(c => c.RequestPreview).SingleAsync());
        Assert.Equal(new string('a', 499), stored);
    }

    [Theory]
    [InlineData("request")]
    [InlineData("externalId")]
    public async Task Half_a_character_escaped_in_the_json_is_refused_as_a_bad_request_and_writes_nothing(string member)
    {
        // "\ud83d" alone is half of an emoji: valid JSON syntax, but no text. PostgreSQL's client could not write it.
        var body = Samples.Json(Samples.Queues);
        var externalId = body["externalId"]!.GetValue<string>();
        body[member] = "PLACEHOLDER";
        var json = body.ToJsonString().Replace("PLACEHOLDER", member == "request" ? "Refund me \\ud83d please" : "ord-\\ud83d", StringComparison.Ordinal);
        using var response = await _app.ApiClient().PostAsync("/api/v1/cases", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await _app.WithDbAsync(db => db.Cases.CountAsync(c => c.ExternalId == externalId || c.ExternalId.StartsWith("ord-"))));
    }

    [Fact]
    public async Task The_audit_chain_and_tree_verify_after_batches_from_concurrent_submissions()
    {
        // Through the API, many at once: the writer takes them in batches of whatever arrived together.
        var client = _app.ApiClient();
        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => client.PostAsJsonAsync("/api/v1/cases", Samples.Json(Samples.Queues))));
        Assert.All(responses, r => Assert.Equal(System.Net.HttpStatusCode.Created, r.StatusCode));
        var sequences = await _app.WithDbAsync(db => db.AuditEvents.Where(a => a.Type == AuditEventTypes.CaseSubmitted).Select(a => a.Sequence).ToListAsync());
        Assert.Equal(40, sequences.Count);
        await ChainAndTreeHoldAsync(sequences);
    }

    /// <summary>
    /// Many submissions at once through the API, some repeating another's externalId: groups that a repeat makes fail
    /// are split while more submissions arrive. Each externalId gets one case and its repeats the duplicate problem
    /// with that case's id; every case has its one event, and the chain and tree hold.
    /// </summary>
    [Fact]
    public async Task Concurrent_submissions_with_repeated_external_ids_get_one_case_each_and_the_chain_holds()
    {
        var client = _app.ApiClient();
        var externalIds = Enumerable.Range(0, 48).Select(_ => $"conc-{Guid.NewGuid():N}"[..24]).ToList();
        // Every fourth externalId is sent twice more, spread through the others.
        var repeated = externalIds.Where((_, i) => i % 4 == 0).ToList();
        var order = externalIds.Concat(repeated).Concat(repeated).OrderBy(_ => Random.Shared.Next()).ToList();

        var responses = await Task.WhenAll(order.Select(async id =>
            (ExternalId: id, Response: await client.PostAsJsonAsync("/api/v1/cases", Samples.Json(Samples.Queues, id)))));

        foreach (var group in responses.GroupBy(r => r.ExternalId))
        {
            var created = Assert.Single(group, r => r.Response.StatusCode == System.Net.HttpStatusCode.Created);
            var caseId = (await created.Response.Content.ReadFromJsonAsync<CaseReceipt>(WorkbenchJson.Options))!.Id;
            foreach (var repeat in group.Where(r => r != created))
            {
                Assert.Equal(System.Net.HttpStatusCode.Conflict, repeat.Response.StatusCode);
                var problem = await IntakeApiTests.ProblemAsync(repeat.Response);
                Assert.Equal(ProblemTypes.DuplicateExternalId, problem.GetProperty("type").GetString());
                Assert.Equal(caseId, problem.GetProperty("caseId").GetGuid());
            }
        }
        var stored = await _app.WithDbAsync(db => db.Cases.Where(c => externalIds.Contains(c.ExternalId)).Select(c => c.Id).ToListAsync());
        Assert.Equal(externalIds.Count, stored.Count);
        var sequences = await _app.WithDbAsync(db => db.AuditEvents
            .Where(a => a.Type == AuditEventTypes.CaseSubmitted && a.CaseId != null && stored.Contains(a.CaseId.Value)).Select(a => a.Sequence).ToListAsync());
        Assert.Equal(externalIds.Count, sequences.Count);
        await ChainAndTreeHoldAsync(sequences);
    }

    /// <summary>
    /// A group continues from the head its instance's last group left, in one round trip; when another instance (or a
    /// save of its own) wrote after that head, the unique sequence refuses the group's first event, and the group is
    /// written again after reading the head: nothing lost, nothing doubled, the chain and the tree hold.
    /// </summary>
    [Fact]
    public async Task Groups_continue_from_their_last_head_and_are_written_again_when_another_instance_moved_it()
    {
        await using var other = new WorkbenchFactory { Settings = { ["Database:Provider"] = "Postgres", ["ConnectionStrings:Workbench"] = _app.Settings["ConnectionStrings:Workbench"] } };
        var writers = new[] { _app, other };
        var chains = writers.Select(w => w.Services.GetRequiredService<DatabaseSettings>().AuditChainInstance).ToArray();
        var written = new List<Guid>();
        async Task GroupAsync(WorkbenchFactory app, int size)
        {
            var batch = Enumerable.Range(0, size).Select(_ => IntakeWriterTests.NewCase(app.Services, key: "g-" + Guid.NewGuid())).ToList();
            foreach (var result in await app.Services.GetRequiredService<IntakeWriter>().WriteTogetherAsync(batch))
            {
                await result;
            }
            written.AddRange(batch.Select(b => b.Case.Id));
        }

        await GroupAsync(_app, 5);
        var reads = chains[0].PostgresHeadReads;
        for (var i = 0; i < 4; i++)
        {
            await GroupAsync(_app, 3);
        }
        // Four more groups of the same instance, with nothing else writing: not one more read of the head.
        Assert.Equal(reads, chains[0].PostgresHeadReads);

        // Each instance in turn: each group finds the head moved by the other's, and reads it.
        for (var i = 0; i < 6; i++)
        {
            await GroupAsync(writers[i % 2], 4);
        }
        // This instance: its first turn continues (nothing else wrote yet), its next two find the head moved. The other:
        // its first group has no head to continue from, its next two find it moved.
        Assert.Equal(reads + 2, chains[0].PostgresHeadReads);
        Assert.Equal(3, chains[1].PostgresHeadReads);
        // A save of this instance that seals an event itself: the next group reads the head, not the one it left.
        await _app.WithDbAsync(async db =>
        {
            db.AuditEvents.Add(new Workbench.Data.Entities.AuditEventRecord { Type = "test.saved", Actor = "test", ActorRole = "system", At = DateTimeOffset.UtcNow, DataJson = "{}" });
            return await db.SaveChangesAsync();
        });
        await GroupAsync(_app, 2);

        var cases = await _app.WithDbAsync(db => db.Cases.CountAsync(c => written.Contains(c.Id)));
        Assert.Equal(written.Count, cases);
        var sequences = await _app.WithDbAsync(db => db.AuditEvents.Where(a => a.CaseId != null && written.Contains(a.CaseId.Value)).Select(a => a.Sequence).ToListAsync());
        Assert.Equal(written.Count, sequences.Count);
        await ChainAndTreeHoldAsync(sequences);
    }

    /// <summary>
    /// The chain verifies (the app's own verification), sequences have no gap, every event's hash is its canonical form's,
    /// and each of the given events has an inclusion proof in the Merkle tree over the whole log that checks against its root.
    /// </summary>
    private async Task ChainAndTreeHoldAsync(IReadOnlyList<long> sequences)
    {
        var admin = await _app.SignedInAs("adam");
        var verify = await admin.GetFromJsonAsync<AuditVerifyResult>("/api/v1/audit/verify", WorkbenchJson.Options);
        Assert.True(verify!.Intact, verify.Break?.Message);
        var events = await _app.WithDbAsync(db => db.AuditEvents.AsNoTracking().OrderBy(a => a.Sequence).ToListAsync());
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        for (var i = 0; i < events.Count; i++)
        {
            Assert.Equal(i == 0 ? AuditCanonicalForm.Genesis : events[i - 1].Hash, events[i].PrevHash);
            Assert.Equal(AuditCanonicalForm.Hash(events[i]), events[i].Hash);
        }
        var size = (long)events.Count;
        await _app.WithDbAsync(async db =>
        {
            var tree = new AuditTree(db);
            var root = await tree.RootAsync(size);
            foreach (var sequence in sequences)
            {
                var proof = await tree.InclusionProofAsync(sequence, size);
                var leaf = AuditTree.LeafOf(sequence, events[(int)sequence - 1].Hash);
                Assert.True(MerkleTree.VerifyInclusion(sequence - 1, size, leaf, proof, root), $"Event {sequence} is not proven in the tree.");
            }
            return 0;
        });
    }

    [Fact]
    public async Task The_due_time_an_AI_system_is_told_at_intake_is_the_one_it_reads_back()
    {
        // PostgreSQL keeps microseconds, the system clock ticks in 100 ns: a due time taken from the clock as it ticks
        // would be answered with seven decimals and read back with six. The support queue keeps no business hours, so
        // its due time is the arrival plus the SLA, to the tick; three cases, so that a clock that happens to land on a
        // whole microsecond cannot pass this alone.
        using var api = _app.ApiClient();
        for (var i = 0; i < 3; i++)
        {
            var receipt = await _app.SubmitSampleAsync("009-");
            Assert.Equal("support", receipt.Queue);
            var view = await api.GetFromJsonAsync<CaseView>($"/api/v1/cases/{receipt.Id}", WorkbenchJson.Options);
            Assert.NotNull(receipt.SlaDueAt);
            Assert.Equal(receipt.SlaDueAt, view!.SlaDueAt);
        }
    }

    /// <summary>A row as PostgreSQL returns it: each column's type and value.</summary>
    private Task<Dictionary<string, string>> RowAsync(string table, string column, object value) => _app.WithDbAsync(async db =>
    {
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT * FROM \"{table}\" WHERE \"{column}\" = @v";
        var parameter = cmd.CreateParameter();
        parameter.ParameterName = "v";
        parameter.Value = value;
        cmd.Parameters.Add(parameter);
        await using var reader = await cmd.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"No row in {table} where {column} = {value}");
        var row = new Dictionary<string, string>();
        for (var i = 0; i < reader.FieldCount; i++)
        {
            row[reader.GetName(i)] = reader.IsDBNull(i)
                ? "NULL"
                : $"{reader.GetDataTypeName(i)}:{Convert.ToString(reader.GetValue(i), global::System.Globalization.CultureInfo.InvariantCulture)}";
        }
        Assert.False(await reader.ReadAsync());
        return row;
    });
}
