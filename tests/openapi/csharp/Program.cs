// An AI system's round trip through a C# client that Kiota generated from the served OpenAPI document: submit a case
// the policy asks a question about, read it, long-poll (202 with the question), reply, find it by its externalId and in
// the listing. Only the generated request builders and models are used to talk to the API. Prints what it saw as one
// JSON line; exits 1 on any surprise.
// Usage: dotnet RoundTrip.dll <baseUrl> <apiKey> <sample.json>
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Abstractions.Serialization;
using Microsoft.Kiota.Http.HttpClientLibrary;
using Workbench.Generated;
using Workbench.Generated.Models;

var (baseUrl, apiKey, samplePath) = (args[0], args[1], args[2]);

// Kiota's own handler chain (retry, redirect, headers inspection), with the API key on every request.
using var http = KiotaClientFactory.Create();
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
var adapter = new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: http) { BaseUrl = baseUrl };
var client = new WorkbenchApiClient(adapter);

var submission = await KiotaJsonSerializer.DeserializeAsync(await File.ReadAllTextAsync(samplePath), CaseSubmission.CreateFromDiscriminatorValue)
    ?? throw new InvalidOperationException("The sample is not a CaseSubmission.");
submission.ExternalId = $"cs-{Guid.NewGuid():N}";

var receipt = await client.Api.V1.Cases.PostAsync(submission, c => c.Headers.Add("Idempotency-Key", submission.ExternalId))
    ?? throw new InvalidOperationException("submit: no receipt");
var id = receipt.Id ?? throw new InvalidOperationException("submit: a receipt without id");

var read = await client.Api.V1.Cases[id].GetAsync() ?? throw new InvalidOperationException("get: no case");

// 200 is the decision, 202 "still pending" with another schema. Kiota keeps the schema of the lowest success status
// only (it warns so) and generates no model for the 202 body: the status is read from the response itself and the
// 202 body as plain JSON.
var native = new NativeResponseHandler();
await client.Api.V1.Cases[id].Decision.GetAsync(c =>
{
    c.QueryParameters.Wait = 5;
    c.Options.Add(new ResponseHandlerOption { ResponseHandler = native });
});
using var waited = (HttpResponseMessage)native.Value!;
if (waited.StatusCode != HttpStatusCode.Accepted)
{
    Console.Error.WriteLine($"long-poll: HTTP {(int)waited.StatusCode} {await waited.Content.ReadAsStringAsync()}");
    return 1;
}
var pending = JsonDocument.Parse(await waited.Content.ReadAsStringAsync()).RootElement;

var replied = await client.Api.V1.Cases[id].Replies.PostAsync(new ReplyRequest { Message = "The customer is on the Team plan, billed yearly." })
    ?? throw new InvalidOperationException("reply: no case");

var found = await client.Api.V1.Cases.ByExternalId[submission.ExternalId].GetAsync() ?? throw new InvalidOperationException("by-external-id: no case");

var listed = await client.Api.V1.Cases.GetAsync(c => c.QueryParameters.ExternalId = submission.ExternalId)
    ?? throw new InvalidOperationException("list: no page");

// Enum values as the wire spells them: what the generated model serializes.
async Task<string?> WireStatus(IParsable model) =>
    JsonDocument.Parse(await KiotaJsonSerializer.SerializeAsStringAsync(model)).RootElement.TryGetProperty("status", out var s) ? s.GetString() : null;

Console.WriteLine(JsonSerializer.Serialize(new
{
    id,
    receiptStatus = await WireStatus(receipt),
    readStatus = await WireStatus(read),
    pendingStatus = pending.GetProperty("status").GetString(),
    question = pending.TryGetProperty("question", out var q) ? q.GetString() : null,
    repliedStatus = await WireStatus(replied),
    foundId = found.Id,
    listedIds = listed.Items?.Select(c => c.Id).ToList(),
}));
return 0;
