namespace Workbench.Contracts;

/// <summary>
/// Every error of the API is an RFC 9457 problem detail with one of these stable types; clients switch on the
/// type, never on the title or detail text.
/// </summary>
public static class ProblemTypes
{
    private const string Prefix = "urn:workbench:problem:";
    public const string Validation = Prefix + "validation";
    public const string MalformedJson = Prefix + "malformed-json";
    public const string PayloadTooLarge = Prefix + "payload-too-large";
    public const string UnsupportedMediaType = Prefix + "unsupported-media-type";
    public const string Unauthenticated = Prefix + "unauthenticated";
    public const string Forbidden = Prefix + "forbidden";
    public const string NotFound = Prefix + "not-found";
    public const string MethodNotAllowed = Prefix + "method-not-allowed";
    public const string IdempotencyKeyInvalid = Prefix + "idempotency-key-invalid";
    public const string IdempotencyKeyReused = Prefix + "idempotency-key-reused";
    public const string IdempotencyKeyInFlight = Prefix + "idempotency-key-in-flight";
    public const string DuplicateExternalId = Prefix + "duplicate-external-id";
    public const string IllegalTransition = Prefix + "illegal-transition";
    public const string ConcurrentChange = Prefix + "concurrent-change";
    public const string RateLimited = Prefix + "rate-limited";
    public const string Unavailable = Prefix + "unavailable";
    /// <summary>503 with Retry-After: the database cannot be reached; retry with the same Idempotency-Key.</summary>
    public const string DatabaseUnavailable = Prefix + "database-unavailable";
    public const string Internal = Prefix + "internal";
    public const string PolicyRefused = Prefix + "policy-refused";
    public const string DoubleReviewDone = Prefix + "double-review-done";
    public const string DoubleReviewPending = Prefix + "double-review-pending";
    public const string SpotCheckDone = Prefix + "spot-check-done";
    public const string SpotCheckAgedOut = Prefix + "spot-check-aged-out";
    public const string AlreadyClaimed = Prefix + "already-claimed";
    public const string NotClaimHolder = Prefix + "not-claim-holder";
    public const string StaleRevision = Prefix + "stale-revision";
    public const string SelfApproval = Prefix + "self-approval";
    public const string SecondApproverRequired = Prefix + "second-approver-required";
    /// <summary>409: the decision's undo window closed (it has reached, or is reaching, the AI system), or there is none to undo.</summary>
    public const string UndoWindowClosed = Prefix + "undo-window-closed";

    /// <summary>Every type above, for the OpenAPI document and the tests.</summary>
    public static IReadOnlyList<string> All { get; } = typeof(ProblemTypes)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToArray();

    public static string ForStatus(int status) => status switch
    {
        400 => Validation,
        401 => Unauthenticated,
        403 => Forbidden,
        404 => NotFound,
        405 => MethodNotAllowed,
        409 => ConcurrentChange,
        413 => PayloadTooLarge,
        415 => UnsupportedMediaType,
        429 => RateLimited,
        503 => Unavailable,
        _ => Internal,
    };
}
