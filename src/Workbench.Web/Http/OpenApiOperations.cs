using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;

namespace Workbench.Web.Http;

/// <summary>
/// Per operation: who may call it (security), every problem response with the problem types it can carry (from what
/// the endpoint is — authorized, rate limited, with a path id, with a JSON body — and its <see cref="ProblemResponse"/>
/// metadata), the headers of each response, the Idempotency-Key parameter and the sample cases as examples.
/// </summary>
public static class OpenApiOperations
{
    private const string ProblemJson = "application/problem+json";
    private const string ProblemTypePrefix = "urn:workbench:problem:";

    /// <summary>The response headers the document describes once (components) and references per response.</summary>
    private static readonly (string Name, string Description, JsonSchemaType Type)[] Headers =
    [
        ("Retry-After", "Seconds to wait before retrying (429, 503).", JsonSchemaType.Integer),
        ("WWW-Authenticate", "`Bearer`: send an API key or an Entra ID app token.", JsonSchemaType.String),
        ("Location", "The new resource's path.", JsonSchemaType.String),
        (RequestIds.RequestIdHeader, "This request's id: the `traceId` of a problem detail and of the audit trail. Quote it when asking about a request.", JsonSchemaType.String),
        (RequestIds.TraceParentHeader, "The W3C trace context of this request on the server; it continues the trace of a valid `traceparent` the caller sent.", JsonSchemaType.String),
        ("RateLimit-Policy", "IETF RateLimit-Policy: the client's bucket, `\"api-client\";q=<requests>;w=<seconds to refill>`.", JsonSchemaType.String),
        ("RateLimit", "IETF RateLimit: where the client stands, `\"api-client\";r=<requests left>;t=<seconds until full>`.", JsonSchemaType.String),
        ("Idempotent-Replayed", "`true`: this is the stored answer to an earlier request with the same Idempotency-Key and body; no new case was made.", JsonSchemaType.Boolean),
    ];

    /// <summary>The headers and one example problem per problem type, as components the operations refer to.</summary>
    public static void AddComponents(OpenApiDocument document)
    {
        var problems = document.Components!.Examples ??= new Dictionary<string, IOpenApiExample>();
        foreach (var type in ProblemTypes.All)
        {
            problems[type[ProblemTypePrefix.Length..]] = new OpenApiExample
            {
                Value = new JsonObject
                {
                    ["type"] = type,
                    ["title"] = "What went wrong, for people",
                    ["status"] = StatusOf(type),
                    ["detail"] = "What to do about it, for people.",
                    ["traceId"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                },
            };
        }
        var headers = document.Components!.Headers ??= new Dictionary<string, IOpenApiHeader>();
        foreach (var (name, description, type) in Headers)
        {
            headers[name] = new OpenApiHeader
            {
                Description = description,
                Schema = new OpenApiSchema { Type = type, Format = type == JsonSchemaType.Integer ? "int32" : null, Minimum = type == JsonSchemaType.Integer ? "0" : null },
            };
        }
    }

    public static Task DescribeAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var description = context.Description;
        var metadata = description.ActionDescriptor.EndpointMetadata;
        var document = context.Document!;
        var authorized = metadata.OfType<IAuthorizeData>().ToList();
        var problems = new SortedDictionary<int, SortedSet<string>>();
        void Add(int status, params string[] types)
        {
            if (!problems.TryGetValue(status, out var set))
            {
                problems[status] = set = new SortedSet<string>(StringComparer.Ordinal);
            }
            set.UnionWith(types);
        }

        if (authorized.Count > 0 && !metadata.OfType<IAllowAnonymous>().Any())
        {
            operation.Security = SecurityFor(authorized, document);
            Add(401, ProblemTypes.Unauthenticated);
            Add(403, ProblemTypes.Forbidden);
        }
        if (metadata.OfType<EnableRateLimitingAttribute>().Any())
        {
            Add(429, ProblemTypes.RateLimited);
        }
        var parameters = description.ParameterDescriptions;
        if (parameters.Any(p => p.Source == BindingSource.Path))
        {
            Add(404, ProblemTypes.NotFound);
        }
        if (parameters.Any(p => p.Source == BindingSource.Path || p.Source == BindingSource.Query))
        {
            Add(400, ProblemTypes.Validation);
        }
        if (operation.RequestBody is not null || parameters.Any(p => p.Source == BindingSource.Body))
        {
            Add(400, ProblemTypes.MalformedJson, ProblemTypes.Validation);
            Add(413, ProblemTypes.PayloadTooLarge);
            Add(415, ProblemTypes.UnsupportedMediaType);
        }
        if (metadata.OfType<JsonBodyRequired>().Any() && !HttpMethods.IsGet(description.HttpMethod ?? "GET"))
        {
            Add(415, ProblemTypes.UnsupportedMediaType);
        }
        foreach (var declared in metadata.OfType<ProblemResponse>())
        {
            Add(declared.Status, [.. declared.Types]);
        }
        // A generated 4xx (from a ValidationProblem in the handler's results) is a validation problem.
        foreach (var status in (operation.Responses?.Keys.ToList() ?? []).Select(k => int.TryParse(k, out var s) ? s : 0).Where(s => s >= 400).ToList())
        {
            Add(status, status == 400 ? ProblemTypes.Validation : ProblemTypes.ForStatus(status));
        }
        // Any request may find the database unreachable: 503 with Retry-After, safe to retry.
        Add(503, ProblemTypes.DatabaseUnavailable);

        operation.Responses ??= new OpenApiResponses();
        foreach (var (status, types) in problems)
        {
            operation.Responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = ProblemResponseFor(status, types, document);
        }
        var limited = metadata.OfType<EnableRateLimitingAttribute>().Any();
        foreach (var (status, response) in operation.Responses.Select(r => (r.Key, r.Value)).Where(r => r.Value is OpenApiResponse)
                     .Select(r => (r.Key, (OpenApiResponse)r.Value)))
        {
            AddHeader(response, RequestIds.RequestIdHeader, document);
            AddHeader(response, RequestIds.TraceParentHeader, document);
            // A 401 names no client, so there is no bucket to report: the limit is per client (ApiRateLimits).
            if (limited && status == "401")
            {
                response.Description += ". No RateLimit headers: without valid credentials there is no client whose rate limit they could tell";
            }
            else if (limited)
            {
                AddHeader(response, "RateLimit-Policy", document);
                AddHeader(response, "RateLimit", document);
            }
        }
        if (metadata.OfType<IdempotencyKeyAccepted>().Any() && operation.Responses.TryGetValue("200", out var replay) && replay is OpenApiResponse replayResponse)
        {
            replayResponse.Description = "A replay: the original receipt of the earlier request with this Idempotency-Key and body.";
            AddHeader(replayResponse, "Idempotent-Replayed", document);
        }
        if (operation.Responses.TryGetValue("201", out var created) && created is OpenApiResponse createdResponse)
        {
            AddHeader(createdResponse, "Location", document);
        }
        foreach (var range in metadata.OfType<ParameterRange>())
        {
            if (operation.Parameters?.FirstOrDefault(p => p.Name == range.Name) is OpenApiParameter { Schema: OpenApiSchema schema })
            {
                schema.Minimum = range.Minimum.ToString(System.Globalization.CultureInfo.InvariantCulture);
                schema.Maximum = range.Maximum.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        foreach (var values in metadata.OfType<ParameterEnum>())
        {
            if (operation.Parameters?.FirstOrDefault(p => p.Name == values.Name) is OpenApiParameter { Schema: OpenApiSchema schema })
            {
                schema.Type = JsonSchemaType.String;
                schema.Enum = WireSchema.EnumValues(values.EnumType).Select(v => (JsonNode)JsonValue.Create(v)!).ToList();
            }
        }
        foreach (var format in metadata.OfType<ParameterFormat>())
        {
            if (operation.Parameters?.FirstOrDefault(p => p.Name == format.Name) is OpenApiParameter { Schema: OpenApiSchema schema })
            {
                schema.Format = format.Format;
            }
        }
        if (metadata.OfType<IdempotencyKeyAccepted>().Any())
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "Idempotency-Key",
                In = ParameterLocation.Header,
                Required = false,
                Description = "Makes retries safe: the same key and body give the original receipt (200); the same key with another body is 422 " +
                              "idempotency-key-reused; the same key while the first request runs is 409 idempotency-key-in-flight. Kept 24 h. " +
                              "The body is compared as canonical JSON: member order and whitespace do not matter.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 255, Pattern = WireSchema.IdempotencyKeyPattern },
            });
            if (operation.RequestBody?.Content?.TryGetValue("application/json", out var media) == true && media is OpenApiMediaType json)
            {
                json.Example = null;
                json.Examples = SampleExamples();
            }
        }
        return Task.CompletedTask;
    }

    private static List<OpenApiSecurityRequirement> SecurityFor(List<IAuthorizeData> authorized, OpenApiDocument document)
    {
        var policies = authorized.Select(a => a.Policy ?? "").ToList();
        var apiClient = policies.Any(p => p.StartsWith("api:", StringComparison.Ordinal) || p == ApiSchemes.ExportPolicy);
        var person = policies.Any(p => !p.StartsWith("api:", StringComparison.Ordinal));
        var schemes = new List<string>();
        if (apiClient)
        {
            schemes.Add(OpenApiDocumentation.ApiKeyScheme);
            schemes.Add(OpenApiDocumentation.BearerScheme);
            if (document.Components?.SecuritySchemes?.ContainsKey(OpenApiDocumentation.EntraScheme) == true)
            {
                schemes.Add(OpenApiDocumentation.EntraScheme);
            }
        }
        if (person)
        {
            schemes.Add(OpenApiDocumentation.CookieScheme);
        }
        // Alternatives: each requirement on its own is enough.
        return schemes.Select(s => new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(s, document)] = [] }).ToList();
    }

    private static int StatusOf(string type) => type switch
    {
        ProblemTypes.Validation or ProblemTypes.MalformedJson or ProblemTypes.IdempotencyKeyInvalid => 400,
        ProblemTypes.Unauthenticated => 401,
        ProblemTypes.Forbidden or ProblemTypes.SelfApproval or ProblemTypes.SecondApproverRequired or ProblemTypes.DoubleReviewPending => 403,
        ProblemTypes.NotFound => 404,
        ProblemTypes.MethodNotAllowed => 405,
        ProblemTypes.PayloadTooLarge => 413,
        ProblemTypes.UnsupportedMediaType => 415,
        ProblemTypes.IdempotencyKeyReused or ProblemTypes.PolicyRefused => 422,
        ProblemTypes.RateLimited => 429,
        ProblemTypes.Internal => 500,
        ProblemTypes.Unavailable or ProblemTypes.DatabaseUnavailable => 503,
        _ => 409,
    };

    private static OpenApiResponse ProblemResponseFor(int status, IEnumerable<string> types, OpenApiDocument document)
    {
        var list = types.ToList();
        var examples = list.ToDictionary(t => t[ProblemTypePrefix.Length..], t => (IOpenApiExample)new OpenApiExampleReference(t[ProblemTypePrefix.Length..], document));
        var response = new OpenApiResponse
        {
            Description = $"{Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status)}: {string.Join(", ", list.Select(t => $"`{t}`"))}",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                [ProblemJson] = new() { Schema = new OpenApiSchemaReference(OpenApiDocumentation.ProblemSchema, document), Examples = examples },
            },
        };
        if (status is 429 or 503)
        {
            AddHeader(response, "Retry-After", document);
        }
        if (status == 401)
        {
            AddHeader(response, "WWW-Authenticate", document);
        }
        return response;
    }

    private static void AddHeader(OpenApiResponse response, string name, OpenApiDocument document)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers[name] = new OpenApiHeaderReference(name, document);
    }

    private static Dictionary<string, IOpenApiExample>? _samples;

    /// <summary>One sample case per workflow from <c>assets/samples/cases</c> (copied beside the app).</summary>
    private static Dictionary<string, IOpenApiExample> SampleExamples()
    {
        if (_samples is { } cached)
        {
            return cached;
        }
        var examples = new Dictionary<string, IOpenApiExample>();
        var directory = Path.Combine(AppContext.BaseDirectory, "assets", "samples", "cases");
        if (Directory.Exists(directory))
        {
            foreach (var file in Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal))
            {
                var body = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
                var workflow = body["workflow"]?.GetValue<string>() ?? "case";
                if (!examples.ContainsKey(workflow))
                {
                    examples[workflow] = new OpenApiExample { Summary = Path.GetFileNameWithoutExtension(file), Value = body };
                }
            }
        }
        return _samples = examples;
    }
}
