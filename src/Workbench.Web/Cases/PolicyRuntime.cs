using Workbench.Core.Policy;

namespace Workbench.Web.Cases;

/// <summary>The escalation policy in force right now, as intake and the pages need it.</summary>
public interface IPolicyRuntime
{
    string Version { get; }

    bool IsKnownWorkflow(string workflow);

    PolicyDecision Evaluate(CaseSubmission submission, Guid caseId, DateTimeOffset now);
}
