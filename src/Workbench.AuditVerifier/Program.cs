using Workbench.Core.Audit;

// workbench-audit-verify --log <export.jsonl> --checkpoints <folder> --key <public-key.pem>
//   Exit 0: every event fits and is covered by the checkpoints; 1: something does not fit; 2: the input cannot be read.
// workbench-audit-verify --consistency <proof.json | folder of proofs> --checkpoints <folder> --key <public-key.pem>
//   A witness's check without the log: each proof (GET /api/v1/audit/consistency) leads from one signed checkpoint to
//   a later one. Exit 0: every proof holds; 1: one does not; 2: the input cannot be read.
const string Usage = "Usage: workbench-audit-verify --log <audit-log.jsonl> --checkpoints <folder> --key <public-key.pem>\n" +
    "       workbench-audit-verify --consistency <proof.json | folder> --checkpoints <folder> --key <public-key.pem>";

var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i < args.Length; i++)
{
    if (args[i] is "-h" or "--help")
    {
        Console.WriteLine(Usage);
        return 0;
    }
    if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
    {
        Console.Error.WriteLine($"Unknown argument '{args[i]}'. {Usage}");
        return 2;
    }
    options[args[i][2..]] = args[++i];
}
options.TryGetValue("log", out var logPath);
options.TryGetValue("consistency", out var proofPath);
if ((logPath is null) == (proofPath is null) || !options.TryGetValue("checkpoints", out var folder) || !options.TryGetValue("key", out var keyPath))
{
    Console.Error.WriteLine(Usage);
    return 2;
}
foreach (var (what, path, isFolder) in new[] { ("log", logPath, false), ("consistency proof", proofPath, Directory.Exists(proofPath)),
    ("checkpoint folder", folder, true), ("key", keyPath, false) })
{
    if (path is null)
    {
        continue;
    }
    if (isFolder ? !Directory.Exists(path) : !File.Exists(path))
    {
        Console.Error.WriteLine($"The {what} {path} does not exist.");
        return 2;
    }
}

using var key = CheckpointSignature.PublicKeyFromPem(File.ReadAllText(keyPath), out var keyProblem);
if (key is null)
{
    Console.Error.WriteLine($"{keyPath}: {keyProblem}");
    return 2;
}
if (proofPath is not null)
{
    return Witness.Check(key, proofPath, folder);
}
var verifier = new AuditLogVerifier(key);
var files = Directory.GetFiles(folder, "checkpoint-*.json").Order(StringComparer.Ordinal).ToList();
List<(string, CheckpointDocument)> documents = [];
foreach (var file in files)
{
    var document = CheckpointDocument.FromJson(File.ReadAllText(file), out var problem);
    if (document is null)
    {
        Console.Error.WriteLine($"{Path.GetFileName(file)}: {problem}");
        return 2;
    }
    documents.Add((Path.GetFileName(file), document));
}
verifier.AddCheckpoints(documents);

var started = System.Diagnostics.Stopwatch.StartNew();
var result = verifier.Verify(Lines(logPath!));
started.Stop();

using (var self = System.Diagnostics.Process.GetCurrentProcess())
{
    Console.WriteLine($"Key {CheckpointSignature.KeyId(key)}; {result.CheckpointsChecked} checkpoint(s) of {files.Count} file(s); " +
        $"{result.EventsChecked} event(s) in {started.Elapsed.TotalSeconds:0.0} s " +
        $"({result.EventsChecked / Math.Max(started.Elapsed.TotalSeconds, 0.001):0} events/s, peak memory {self.PeakWorkingSet64 / 1024 / 1024} MiB).");
}
foreach (var problem in result.Problems)
{
    Console.WriteLine($"FAIL {problem}");
}
foreach (var note in result.Notes)
{
    Console.WriteLine($"NOTE {note}");
}
if (result.Intact)
{
    Console.WriteLine($"INTACT: every event fits, and the log extends every checkpoint up to {result.NewestCheckpoint}.");
    return 0;
}
Console.WriteLine(result.FirstBadSequence is { } bad
    ? $"NOT INTACT: the first event that does not fit is event {bad}."
    : "NOT INTACT: the log is not covered by a valid checkpoint.");
return 1;

static IEnumerable<AuditEventContent?> Lines(string path)
{
    foreach (var line in File.ReadLines(path))
    {
        if (line.Length > 0)
        {
            yield return AuditLogExport.Parse(line, out _);
        }
    }
}
