using BenchmarkDotNet.Attributes;
using Workbench.Contracts;
using Workbench.Web.Http;
using Workbench.Web.Intake;

namespace Workbench.Benchmarks;

/// <summary>
/// The intake's strict parse of a submission's body, on the realistic refund case the outside intake run sends
/// (intake-refund.json) and the small FAQ case (intake-faq.json): the serializer alone, and the case reader the
/// submission endpoint tries first.
/// </summary>
public class IntakeParseBenchmarks
{
    private const int MaxBytes = 256 * 1024;
    private byte[] _refund = null!;
    private byte[] _faq = null!;

    [GlobalSetup]
    public void Setup()
    {
        _refund = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "intake-refund.json"));
        _faq = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "intake-faq.json"));
        foreach (var body in new[] { _refund, _faq })
        {
            if (!CaseSubmissionReader.TryRead(body, out _) || JsonBody.Parse<CaseSubmission>(body, MaxBytes).Value is null)
            {
                throw new InvalidOperationException("A sample body is not read by both paths.");
            }
        }
    }

    [Benchmark(Baseline = true, Description = "Refund case: serializer")]
    public CaseSubmission? RefundSerializer() => JsonBody.Parse<CaseSubmission>(_refund, MaxBytes).Value;

    [Benchmark(Description = "Refund case: case reader, then serializer if it gives up")]
    public CaseSubmission? RefundCaseReader() => JsonBody.Parse<CaseSubmission>(_refund, MaxBytes, CaseSubmissionReader.TryRead).Value;

    [Benchmark(Description = "FAQ case: serializer")]
    public CaseSubmission? FaqSerializer() => JsonBody.Parse<CaseSubmission>(_faq, MaxBytes).Value;

    [Benchmark(Description = "FAQ case: case reader, then serializer if it gives up")]
    public CaseSubmission? FaqCaseReader() => JsonBody.Parse<CaseSubmission>(_faq, MaxBytes, CaseSubmissionReader.TryRead).Value;
}
