using Workbench.Contracts;

namespace Workbench.Client;

/// <summary>
/// Thrown by <see cref="WorkbenchClient.WaitForDecisionAsync"/> when the case waits for the AI system instead of a
/// human: a reviewer asked for information, or the policy asked a clarifying question at intake. Answer it with
/// <see cref="WorkbenchClient.ReplyAsync"/>, then wait again.
/// </summary>
public sealed class WorkbenchQuestionException : Exception
{
    /// <summary>Creates the exception for a case and its open question.</summary>
    public WorkbenchQuestionException(Guid caseId, CaseStatus status, string? question)
        : base($"Case {caseId} waits for your answer: {question ?? "(no question text)"}")
    {
        CaseId = caseId;
        Status = status;
        Question = question;
    }

    /// <summary>The case that waits.</summary>
    public Guid CaseId { get; }

    /// <summary><c>awaiting_info</c> (a reviewer asked) or <c>clarification_requested</c> (the policy asked at intake).</summary>
    public CaseStatus Status { get; }

    /// <summary>The question to answer.</summary>
    public string? Question { get; }
}
