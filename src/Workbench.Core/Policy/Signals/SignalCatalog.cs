namespace Workbench.Core.Policy.Signals;

/// <summary>The type of a value the policy language can read.</summary>
public enum SignalType
{
    Number,
    Boolean,
    String,
}

/// <summary>Where a value in the signal frame comes from.</summary>
public enum SignalSource
{
    /// <summary>Computed by the engine from the submission; outranks a client signal of the same name.</summary>
    Derived,
    /// <summary>A field of the submission itself (workflow, tier, requester, …).</summary>
    Field,
    /// <summary>A client signal every policy knows (docs/design.md "Names that tests and integrations rely on").</summary>
    WellKnownClient,
    /// <summary>A client signal declared in the policy's <c>signals:</c> section.</summary>
    DeclaredClient,
}

/// <summary>One readable value: its canonical path in the language, its aliases, type and slot in the frame.</summary>
public sealed record SignalDescriptor(string Path, SignalType Type, SignalSource Source, int Slot, string Description)
{
    /// <summary>Other paths that read the same slot (e.g. <c>evidence.count</c> for <c>signals.evidence_count</c>).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>For client signals: the key in <c>CaseSubmission.Signals</c>.</summary>
    public string? ClientKey { get; init; }
}

/// <summary>
/// Every name the policy language knows, resolved to a slot index at load so that evaluation reads arrays,
/// never dictionaries. Built-in slots are fixed; a policy's declared client signals are appended.
/// </summary>
public sealed class SignalCatalog
{
    // Slots of the built-in values, used by the deriver without any lookup.
    internal const int EvidenceCount = 0;
    internal const int AuthoritativeCount = 1;
    internal const int AuthoritativeRatio = 2;
    internal const int NewestEvidenceAgeDays = 3;
    internal const int OldestEvidenceAgeDays = 4;
    internal const int VersionConflicts = 5;
    internal const int ClaimCount = 6;
    internal const int UngroundedClaims = 7;
    internal const int CitationCoverage = 8;
    internal const int ToolStepCount = 9;
    internal const int FailedSteps = 10;
    internal const int RepeatedFailures = 11;
    internal const int StepsWithoutConvergence = 12;
    internal const int IrreversibleAction = 13;
    internal const int ExceptionLanguage = 14;
    internal const int WorkflowFieldsMissing = 15;
    internal const int Amount = 16;
    internal const int Workflow = 17;
    internal const int TaskType = 18;
    internal const int Tier = 19;
    internal const int RequesterId = 20;
    internal const int RequesterRole = 21;
    internal const int RequesterAuthenticated = 22;
    internal const int ActionPresent = 23;
    internal const int ActionTool = 24;
    internal const int ResponsePresent = 25;
    internal const int RequestText = 26;
    internal const int IntentAmbiguity = 27;
    internal const int RequiredFieldsMissing = 28;
    internal const int ModelConfidence = 29;
    internal const int ActionCatalogued = 30;
    internal const int ActionWorkflowMismatch = 31;
    internal const int ActionAmountInvalid = 32;
    internal const int ActionCurrencyUnknown = 33;
    internal const int ActionToolTier = 34;
    internal const int ActionAnnounced = 35;
    internal const int ClientTier = 36;
    internal const int ActionParametersText = 37;
    internal const int UnlistedAuthoritativeCount = 38;
    internal const int RequestTextPlain = 39;
    internal const int RequesterRolePlain = 40;
    internal const int BuiltInCount = 41;

    private static readonly SignalDescriptor[] BuiltIns =
    [
        D("signals.evidence_count", SignalType.Number, SignalSource.Derived, EvidenceCount, "number of evidence items", "evidence.count"),
        D("signals.authoritative_count", SignalType.Number, SignalSource.Derived, AuthoritativeCount, "evidence items marked authoritative (under a source the policy's authoritative_sources lists, where it lists them)", "evidence.authoritative_count"),
        D("signals.authoritative_ratio", SignalType.Number, SignalSource.Derived, AuthoritativeRatio, "authoritative items / all items (0 when there is no evidence)", "evidence.authoritative_ratio"),
        D("signals.newest_evidence_age_days", SignalType.Number, SignalSource.Derived, NewestEvidenceAgeDays, "age in days of the newest dated item (missing when no item is dated)", "evidence.newest_age_days"),
        D("signals.oldest_evidence_age_days", SignalType.Number, SignalSource.Derived, OldestEvidenceAgeDays, "age in days of the oldest dated item (missing when no item is dated)", "evidence.oldest_age_days"),
        D("signals.version_conflicts", SignalType.Number, SignalSource.Derived, VersionConflicts, "topics on which authoritative items carry different versions", "evidence.version_conflicts"),
        D("signals.claim_count", SignalType.Number, SignalSource.Derived, ClaimCount, "number of claims", "claims.count"),
        D("signals.ungrounded_claims", SignalType.Number, SignalSource.Derived, UngroundedClaims, "claims citing no submitted evidence item", "claims.ungrounded"),
        D("signals.citation_coverage", SignalType.Number, SignalSource.Derived, CitationCoverage, "grounded claims / all claims (1 when there are no claims)", "claims.citation_coverage"),
        D("signals.tool_step_count", SignalType.Number, SignalSource.Derived, ToolStepCount, "number of tool steps", "tools.step_count"),
        D("signals.failed_steps", SignalType.Number, SignalSource.Derived, FailedSteps, "steps failed or timed out", "tools.failed_steps"),
        D("signals.repeated_failures", SignalType.Number, SignalSource.Derived, RepeatedFailures, "failures of a tool that had already failed earlier in the trace", "tools.repeated_failures"),
        D("signals.steps_without_convergence", SignalType.Number, SignalSource.Derived, StepsWithoutConvergence, "trailing steps after the last successful one", "tools.steps_without_convergence"),
        D("signals.irreversible_action", SignalType.Boolean, SignalSource.Derived, IrreversibleAction, "an action is proposed and the catalogue or the client says it cannot be undone", "action.irreversible"),
        D("signals.exception_language", SignalType.Boolean, SignalSource.Derived, ExceptionLanguage, "the request asks for an exception (\"override\", \"just this once\", …)", "request.exception_language"),
        D("signals.workflow_fields_missing", SignalType.Number, SignalSource.Derived, WorkflowFieldsMissing, "workflow required fields absent from the action parameters and template variables", "fields.missing"),
        D("signals.amount", SignalType.Number, SignalSource.Derived, Amount, "the largest of the action's money amounts in the policy's base currency (the catalogue's money parameters, any parameter named like an amount) and the client's amount signal (missing when none)"),
        D("workflow", SignalType.String, SignalSource.Field, Workflow, "workflow name"),
        D("task_type", SignalType.String, SignalSource.Field, TaskType, "task type"),
        D("tier", SignalType.Number, SignalSource.Field, Tier, "risk tier after the workflow floor"),
        D("requester.id", SignalType.String, SignalSource.Field, RequesterId, "requester id"),
        D("requester.role", SignalType.String, SignalSource.Field, RequesterRole, "requester role (missing when not sent)"),
        D("requester.authenticated", SignalType.Boolean, SignalSource.Field, RequesterAuthenticated, "requester identity verified"),
        D("action.present", SignalType.Boolean, SignalSource.Field, ActionPresent, "the proposal contains an action"),
        D("action.tool", SignalType.String, SignalSource.Field, ActionTool, "the action's tool (missing without an action)"),
        D("response.present", SignalType.Boolean, SignalSource.Field, ResponsePresent, "the proposal contains a response"),
        D("request.text", SignalType.String, SignalSource.Field, RequestText, "the request text"),
        D("request.text_plain", SignalType.String, SignalSource.Derived, RequestTextPlain, "the request text folded as exception language is (lower case, accents and invisible characters dropped, look-alike letters read as Latin, punctuation as spaces: \"i m a journalist\"), for rules that look for words in what the requester wrote: a zero-width space or a Cyrillic letter inside a word does not hide it; a request with Unicode tag characters is read twice, as a person reads it, then after \" | \" as a model reads it (the tags as the letters they stand for)"),
        D("signals.intent_ambiguity", SignalType.Number, SignalSource.WellKnownClient, IntentAmbiguity, "client: intent ambiguity 0–1") with { ClientKey = "intent_ambiguity" },
        D("signals.required_fields_missing", SignalType.Number, SignalSource.WellKnownClient, RequiredFieldsMissing, "client: count of required fields missing") with { ClientKey = "required_fields_missing" },
        D("signals.model_confidence", SignalType.Number, SignalSource.WellKnownClient, ModelConfidence, "client: model self-reported confidence 0–1 (shown, never decisive alone)") with { ClientKey = "model_confidence" },
        D("action.catalogued", SignalType.Boolean, SignalSource.Derived, ActionCatalogued, "the action's tool is in the policy's catalogue (missing without an action)"),
        D("action.workflow_mismatch", SignalType.Boolean, SignalSource.Derived, ActionWorkflowMismatch, "the tool may not appear in the workflow the client named (missing without an action)"),
        D("action.amount_invalid", SignalType.Boolean, SignalSource.Derived, ActionAmountInvalid, "a money tool's amount is missing, unreadable or breaks its sign rule (missing without an action)"),
        D("action.currency_unknown", SignalType.Boolean, SignalSource.Derived, ActionCurrencyUnknown, "a money tool's currency is not in the rate table (missing without an action)"),
        D("action.tool_tier", SignalType.Number, SignalSource.Derived, ActionToolTier, "the catalogue's tier floor for the tool (missing without an action)"),
        D("action.announced", SignalType.Boolean, SignalSource.Derived, ActionAnnounced, "the response reports the action (the catalogue says so, or it uses the action's values as template variables)"),
        D("client.tier", SignalType.Number, SignalSource.Field, ClientTier, "the risk tier the client declared (missing when it declared none); the case's tier is never below it"),
        D("action.parameters_text", SignalType.String, SignalSource.Derived, ActionParametersText, "the action's parameter values at every depth as one folded text (camel case split, lower case, look-alike letters read as Latin, punctuation and underscores as spaces: \"bob global admin prod\"), for rules about what the action does rather than what the request says (missing without an action)"),
        D("signals.unlisted_authoritative_count", SignalType.Number, SignalSource.Derived, UnlistedAuthoritativeCount, "evidence items the AI system marks authoritative whose URI lies under no source the policy's authoritative_sources lists (0 where the policy lists none); they count as secondary", "evidence.unlisted_authoritative_count"),
        D("requester.role_plain", SignalType.String, SignalSource.Derived, RequesterRolePlain, "the requester's role in words (camel case split) and folded as the request is for request.text_plain (\"external contractor\" for \"ExternalContractor\" or \"External-Contractor\"), for rules about who asks: a zero-width space or a Cyrillic letter inside the role does not hide it (missing when no role was sent)"),
    ];

    private readonly Dictionary<string, SignalDescriptor> _byPath = new(StringComparer.Ordinal);
    private readonly List<SignalDescriptor> _all = [];

    /// <summary>The catalog of built-in names only (no declared client signals).</summary>
    public static SignalCatalog Default { get; } = new([]);

    internal SignalCatalog(IEnumerable<(string Name, SignalType Type)> declaredClientSignals)
    {
        // All is read by slot (SignalFrame.Format), so the built-ins go in by slot, whatever order the list has.
        foreach (var d in BuiltIns.OrderBy(d => d.Slot))
        {
            if (d.Slot != _all.Count)
            {
                throw new InvalidOperationException($"built-in signal {d.Path} has slot {d.Slot}, expected {_all.Count}");
            }
            Add(d);
        }
        if (_all.Count != BuiltInCount)
        {
            throw new InvalidOperationException($"{_all.Count} built-in signals, but {BuiltInCount} slots");
        }
        foreach (var (name, type) in declaredClientSignals)
        {
            Add(new SignalDescriptor("signals." + name, type, SignalSource.DeclaredClient, _all.Count, "client: declared by the policy") { ClientKey = name });
        }
        ClientSlots = _all.Where(d => d.ClientKey is not null).ToArray();
    }

    /// <summary>All descriptors, by slot.</summary>
    public IReadOnlyList<SignalDescriptor> All => _all;

    public int SlotCount => _all.Count;

    internal SignalDescriptor[] ClientSlots { get; }

    /// <summary>Whether a bare client signal name (without <c>signals.</c>) is taken by a built-in value.</summary>
    public static bool IsBuiltInSignalName(string name) => Default.TryResolve("signals." + name, out _);

    public bool TryResolve(string path, out SignalDescriptor descriptor) => _byPath.TryGetValue(path, out descriptor!);

    private void Add(SignalDescriptor d)
    {
        _all.Add(d);
        _byPath[d.Path] = d;
        foreach (var alias in d.Aliases)
        {
            _byPath[alias] = d;
        }
    }

    private static SignalDescriptor D(string path, SignalType type, SignalSource source, int slot, string description, params string[] aliases)
        => new(path, type, source, slot, description) { Aliases = aliases };
}
