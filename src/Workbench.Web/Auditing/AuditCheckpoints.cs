using System.Net.Http.Json;
using Workbench.Core.Audit;

namespace Workbench.Web.Auditing;

/// <summary>
/// Signs checkpoints of the audit log's Merkle tree (<see cref="AuditTree"/>) and publishes them outside the database.
/// Runs in the background only: intake and review write their events as before, and a checkpoint covers whatever is
/// in the log when it is made. Several instances on one database make one line of checkpoints: each names the one
/// before it under a unique index, so of two instances extending the same checkpoint one commits and the other gives
/// way. Before signing a new checkpoint the log is checked against the last one: a log that no longer has the root
/// it had is an alert, and nothing more is signed over it.
/// </summary>
public sealed class AuditCheckpoints(IDbContextFactory<WorkbenchDbContext> dbFactory, AuditCheckpointKey key,
    IOptions<AuditCheckpointOptions> options, IHttpClientFactory httpFactory, TimeProvider time, ILogger<AuditCheckpoints> logger)
{
    public const string WitnessClient = "audit-witness";
    private readonly SemaphoreSlim _one = new(1, 1);

    /// <summary>
    /// Signs a checkpoint of the whole log when one is due (<c>EveryEvents</c> past the last, or the oldest of them
    /// <c>Interval</c> old), or whenever there are new events when <paramref name="force"/>. Null when none was made.
    /// </summary>
    public async Task<AuditCheckpointRecord?> CheckpointAsync(bool force = false, CancellationToken ct = default)
    {
        if (key.Signer is null)
        {
            return null;
        }
        await _one.WaitAsync(ct);
        try
        {
            return await SignAsync(force, ct);
        }
        finally
        {
            _one.Release();
        }
    }

    private async Task<AuditCheckpointRecord?> SignAsync(bool force, CancellationToken ct)
    {
        var o = options.Value;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var last = await db.AuditCheckpoints.AsNoTracking().OrderByDescending(c => c.TreeSize).FirstOrDefaultAsync(ct);
        var lastSize = last?.TreeSize ?? 0;
        var head = await db.AuditEvents.AsNoTracking().MaxAsync(a => (long?)a.Sequence, ct) ?? 0;
        if (head <= lastSize)
        {
            return null;
        }
        var now = time.GetUtcNow();
        if (!force && head - lastSize < o.EveryEvents)
        {
            var oldest = await db.AuditEvents.AsNoTracking().Where(a => a.Sequence == lastSize + 1).Select(a => (DateTimeOffset?)a.At).FirstOrDefaultAsync(ct);
            if (oldest is null || now - oldest.Value < o.Interval)
            {
                return null;
            }
        }
        var tree = new AuditTree(db);
        if (last is not null)
        {
            var root = Convert.ToHexStringLower(await tree.RootAsync(last.TreeSize, ct));
            if (root != last.RootHash)
            {
                logger.LogCritical("ALERT: the audit log no longer matches checkpoint {Size} (root {Signed}, now {Now}): events up to {Size} were changed. No checkpoint is signed over it.",
                    last.TreeSize, last.RootHash, root, last.TreeSize);
                return null;
            }
        }
        await tree.ExtendAsync(head, ct);
        var headHash = await db.AuditEvents.AsNoTracking().Where(a => a.Sequence == head).Select(a => a.Hash).SingleAsync(ct);
        var issued = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
        var statement = new CheckpointStatement(o.Origin, head, Convert.ToHexStringLower(await tree.RootAsync(head, ct)), headHash, issued);
        var body = statement.Body();
        var record = new AuditCheckpointRecord
        {
            TreeSize = head,
            PreviousTreeSize = lastSize,
            RootHash = statement.RootHash,
            HeadHash = headHash,
            IssuedAt = issued,
            Body = body,
            Signature = CheckpointSignature.Sign(key.Signer!, body),
            KeyId = key.KeyId!,
        };
        db.AuditCheckpoints.Add(record);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex)
        {
            // Another instance extended the same checkpoint (or stored the same tree nodes) first.
            logger.LogInformation("Checkpoint {Size} not written: another instance got there first ({Message})", head, ex.InnerException?.Message ?? ex.Message);
            return null;
        }
        logger.LogInformation("Signed audit checkpoint {Size} (root {Root})", head, statement.RootHash);
        return record;
    }

    /// <summary>Writes every checkpoint not yet in the folder or at the witness; returns how many are still unpublished.</summary>
    public async Task<int> PublishAsync(CancellationToken ct = default)
    {
        var o = options.Value;
        var folder = string.IsNullOrWhiteSpace(o.Folder) ? null : Path.GetFullPath(o.Folder);
        var witness = string.IsNullOrWhiteSpace(o.WitnessUrl) ? null : o.WitnessUrl;
        if (folder is null && witness is null)
        {
            return 0;
        }
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var pending = await db.AuditCheckpoints
            .Where(c => (folder != null && c.WrittenAt == null) || (witness != null && c.WitnessedAt == null))
            .OrderBy(c => c.TreeSize).Take(20).ToListAsync(ct);
        var failed = 0;
        foreach (var c in pending)
        {
            var document = await DocumentAsync(db, c, ct);
            List<string> errors = [];
            if (folder is not null && c.WrittenAt is null)
            {
                if (WriteFile(folder, c.TreeSize, document) is { } error)
                {
                    errors.Add(error);
                }
                else
                {
                    c.WrittenAt = time.GetUtcNow();
                }
            }
            if (witness is not null && c.WitnessedAt is null)
            {
                if (await PostAsync(witness, document, ct) is { } error)
                {
                    errors.Add(error);
                }
                else
                {
                    c.WitnessedAt = time.GetUtcNow();
                }
            }
            c.PublishError = errors.Count == 0 ? null : Workbench.Core.Review.TextCut.Head(string.Join(" ", errors), 1024);
            if (errors.Count > 0)
            {
                failed++;
                logger.LogWarning("Audit checkpoint {Size} not published yet: {Error}", c.TreeSize, c.PublishError);
            }
        }
        await db.SaveChangesAsync(ct);
        return failed;
    }

    /// <summary>The checkpoint as written outside: the signed body and the chain hashes of the events it adds.</summary>
    public static async Task<CheckpointDocument> DocumentAsync(WorkbenchDbContext db, AuditCheckpointRecord c, CancellationToken ct)
    {
        var hashes = await db.AuditEvents.AsNoTracking().Where(a => a.Sequence > c.PreviousTreeSize && a.Sequence <= c.TreeSize)
            .OrderBy(a => a.Sequence).Select(a => a.Hash).ToListAsync(ct);
        return new CheckpointDocument { Body = c.Body, Signature = c.Signature, KeyId = c.KeyId, PreviousTreeSize = c.PreviousTreeSize, Hashes = hashes };
    }

    /// <summary>Creates the file, never replaces one: on write-once storage a second write fails anyway.</summary>
    private static string? WriteFile(string folder, long size, CheckpointDocument document)
    {
        var path = Path.Combine(folder, CheckpointDocument.FileName(size));
        var json = document.ToJson();
        try
        {
            Directory.CreateDirectory(folder);
            using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
            using var writer = new StreamWriter(stream);
            writer.Write(json);
            return null;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Written before (by this or another instance) and not recorded: the same file is fine, another one is not.
            return ReadOrNull(path) == json ? null : $"{path} exists with other content.";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"Cannot write {path}: {ex.Message}";
        }
    }

    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private async Task<string?> PostAsync(string url, CheckpointDocument document, CancellationToken ct)
    {
        try
        {
            var client = httpFactory.CreateClient(WitnessClient);
            using var response = await client.PostAsJsonAsync(url, document, ct);
            return response.IsSuccessStatusCode ? null : $"The witness answered {(int)response.StatusCode}.";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return $"The witness cannot be reached: {ex.Message}";
        }
    }
}

/// <summary>Looks every <c>PollInterval</c> whether a checkpoint is due, and publishes what is not out yet.</summary>
public sealed class AuditCheckpointWorker(AuditCheckpoints checkpoints, AuditCheckpointKey key, IOptions<AuditCheckpointOptions> options,
    ILogger<AuditCheckpointWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (key.Signer is null)
        {
            logger.LogWarning("Audit checkpoints are not signed: {Reason}. The hash chain alone cannot show a rewrite by the database's owner.", key.Source);
            return;
        }
        logger.LogInformation("Audit checkpoints signed with key {KeyId} from {Source}", key.KeyId, key.Source);
        // The poll runs on the wall clock: it is a budget of database reads, not business time. (On the app's clock, a
        // test that moves time on by a year would fire a year of polls at once.) Whether a checkpoint is due is read
        // from the app's clock.
        using var timer = new PeriodicTimer(options.Value.PollInterval);
        do
        {
            try
            {
                await checkpoints.CheckpointAsync(false, stoppingToken);
                await checkpoints.PublishAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "The audit checkpoint run failed; next try in {Interval}", options.Value.PollInterval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
