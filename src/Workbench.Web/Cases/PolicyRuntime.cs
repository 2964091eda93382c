using Workbench.Core.Policy;

namespace Workbench.Web.Cases;

/// <summary>The escalation policy in force right now, as intake and the pages need it.</summary>
public interface IPolicyRuntime
{
    string Version { get; }

    bool IsKnownWorkflow(string workflow);

    /// <summary>Decides a case as sent by this API client (the policy may take only some clients' word that the requester signed in).</summary>
    PolicyDecision Evaluate(CaseSubmission submission, Guid caseId, DateTimeOffset now, string clientId);
}
