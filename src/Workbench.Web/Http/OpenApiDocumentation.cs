using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Workbench.Web.Http;

/// <summary>
/// What the generated document says beyond the endpoints' own metadata, so that a code generator gets the contract the
/// server enforces: enums with their values, integers without a string form, required exactly as enforced,
/// <c>additionalProperties: false</c> on every request body (the strict reader refuses unknown members), the limits,
/// the security schemes, every problem response (<see cref="OpenApiOperations"/>) and examples from the sample cases.
/// </summary>
public static class OpenApiDocumentation
{
    public const string ApiKeyScheme = "apiKey";
    public const string BearerScheme = "bearer";
    public const string EntraScheme = "entra";
    public const string CookieScheme = "signInCookie";
    public const string ProblemSchema = "Problem";
    public const string ValidationProblemSchema = "ValidationProblem";

    public static void Configure(OpenApiOptions options)
    {
        options.AddSchemaTransformer((schema, context, _) =>
        {
            DescribeType(schema, context.JsonTypeInfo.Type);
            return Task.CompletedTask;
        });
        options.AddOperationTransformer(OpenApiOperations.DescribeAsync);
        options.AddDocumentTransformer((document, context, _) =>
        {
            var services = context.ApplicationServices;
            var json = services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
            var limits = services.GetRequiredService<IOptionsMonitor<IntakeLimits>>().CurrentValue;
            var entra = services.GetRequiredService<IConfiguration>().GetSection("AzureAd");
            document.Info = Info();
            // The host's address as the request named it, without the trailing slash generators refuse.
            foreach (var server in document.Servers ?? [])
            {
                server.Url = server.Url?.TrimEnd('/');
            }
            document.Components ??= new OpenApiComponents();
            AddSecuritySchemes(document, entra);
            AddProblemSchemas(document);
            OpenApiOperations.AddComponents(document);
            var requestRoots = context.DescriptionGroups.SelectMany(g => g.Items)
                .SelectMany(d => d.ParameterDescriptions)
                .Where(p => p.Source == Microsoft.AspNetCore.Mvc.ModelBinding.BindingSource.Body)
                .Select(p => p.Type).Where(t => t is not null).Distinct().ToList();
            var responseRoots = context.DescriptionGroups.SelectMany(g => g.Items)
                .SelectMany(d => d.SupportedResponseTypes).Select(r => r.Type).Where(t => t is not null && t != typeof(void)).Cast<Type>();
            var requests = WireSchema.ObjectTypesReachableFrom(requestRoots, json);
            var responses = WireSchema.ObjectTypesReachableFrom(responseRoots, json);
            DescribeObjects(document, json, requests, responses, limits);
            return Task.CompletedTask;
        });
    }

    private static OpenApiInfo Info() => new()
    {
        Title = "Workbench API",
        Version = "v1",
        Description =
            "AI systems submit the cases they must not finish alone, get the policy outcome at once, and wait for (or are called back with) " +
            "the human decision.\n\nAuthenticate with an API key (`X-Api-Key: wb_…` or `Authorization: Bearer wb_…`) or, where the server " +
            "is configured for it, an Entra ID app token with the app role `Cases.Submit` / `Cases.Read`. The people's APIs (review, " +
            "policies, audit, administration) take the sign-in cookie.\n\nRequest bodies are strict JSON: an unknown member, a member " +
            "named twice at any depth, a number sent as a string or an enum spelled otherwise is refused with 400 " +
            "`urn:workbench:problem:validation`, keyed by its JSON path. A UTF-8 byte order mark is accepted.\n\n" +
            "Every error is an RFC 9457 problem detail (`application/problem+json`) whose `type` is one of:\n\n" +
            string.Join("\n", ProblemTypes.All.Select(t => $"- `{t}`")),
    };

    private static void AddSecuritySchemes(OpenApiDocument document, IConfigurationSection entra)
    {
        var schemes = document.Components!.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        schemes[ApiKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "X-Api-Key",
            Description = "A Workbench API key (`wb_…`), created by an admin. Scopes: `cases:submit`, `cases:read`, `exports:read`.",
        };
        schemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "wb_… API key",
            Description = "The same API key as `Authorization: Bearer wb_…`.",
        };
        if (entra.Exists())
        {
            var tenant = entra["TenantId"] ?? "organizations";
            var instance = (entra["Instance"] ?? "https://login.microsoftonline.com/").TrimEnd('/');
            schemes[EntraScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.OAuth2,
                Description = "An Entra ID app token (client credentials) for this API, with the app role `Cases.Submit`, `Cases.Read` or `Exports.Read`.",
                Flows = new OpenApiOAuthFlows
                {
                    ClientCredentials = new OpenApiOAuthFlow
                    {
                        TokenUrl = new Uri($"{instance}/{tenant}/oauth2/v2.0/token"),
                        Scopes = new Dictionary<string, string> { [$"{entra["Audience"] ?? "api://" + entra["ClientId"]}/.default"] = "The app roles granted to the calling app" },
                    },
                },
            };
        }
        schemes[CookieScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Cookie,
            Name = "workbench.auth",
            Description = "The sign-in cookie of a person (reviewer, lead, admin); changes need a JSON body (CSRF defence).",
        };
    }

    private static void AddProblemSchemas(OpenApiDocument document)
    {
        var schemas = document.Components!.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        schemas[ProblemSchema] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "An RFC 9457 problem detail. Switch on `type`, never on the title or detail text.",
            Required = new HashSet<string> { "type", "title", "status" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = ProblemTypes.All.Select(t => (JsonNode)JsonValue.Create(t)!).ToList() },
                ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "400", Maximum = "599" },
                ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request's id, as in the X-Request-Id header." },
                ["caseId"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid", Description = "duplicate-external-id: the case that has this externalId." },
                // Two shapes, each typed: a bare `type: [object, array]` without properties or items made Kiota's
                // generator stop with an error (KiotaClientTests).
                ["errors"] = new OpenApiSchema
                {
                    Description = "validation: an object of messages per JSON path of the request (`$.evidence[3].uri`) or parameter name. " +
                                  "policy-refused: an array of the policy's errors with line and column.",
                    OneOf =
                    [
                        new OpenApiSchema
                        {
                            Type = JsonSchemaType.Object,
                            AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
                        },
                        new OpenApiSchema
                        {
                            Type = JsonSchemaType.Array,
                            Items = new OpenApiSchema
                            {
                                Type = JsonSchemaType.Object,
                                Properties = new Dictionary<string, IOpenApiSchema>
                                {
                                    ["line"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
                                    ["column"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
                                    ["rule"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                                    ["message"] = new OpenApiSchema { Type = JsonSchemaType.String },
                                },
                            },
                        },
                    ],
                },
            },
        };
        schemas.Remove("HttpValidationProblemDetails");
    }

    /// <summary>Type-local facts: enums, numbers without a string form, signals, free JSON.</summary>
    private static void DescribeType(OpenApiSchema schema, Type clrType)
    {
        var type = Nullable.GetUnderlyingType(clrType) ?? clrType;
        if (type.IsEnum)
        {
            // One component per enum: where a member may be null, the member says so (oneOf null and the enum).
            schema.Type = JsonSchemaType.String;
            schema.Enum = WireSchema.EnumValues(type).Select(v => (JsonNode)JsonValue.Create(v)!).ToList();
            return;
        }
        if (type == typeof(SignalValue))
        {
            schema.Type = JsonSchemaType.Number | JsonSchemaType.Boolean;
            schema.Description ??= "A signal: a number or a boolean.";
            return;
        }
        if (type == typeof(JsonElement))
        {
            schema.Type = AnyJson;
            schema.Description ??= "Any JSON value.";
            return;
        }
        // Bodies are read with strict number handling, and a query parameter is parsed as a number: no string form.
        if (schema.Type is { } t && t.HasFlag(JsonSchemaType.String) && (t.HasFlag(JsonSchemaType.Integer) || t.HasFlag(JsonSchemaType.Number)))
        {
            schema.Type = t & ~JsonSchemaType.String;
            schema.Pattern = null;
        }
    }

    public const JsonSchemaType AnyJson = JsonSchemaType.Object | JsonSchemaType.Array | JsonSchemaType.String | JsonSchemaType.Number |
                                          JsonSchemaType.Boolean | JsonSchemaType.Null;

    /// <summary>Required members, closed request objects and the validator's limits, per component schema.</summary>
    private static void DescribeObjects(OpenApiDocument document, JsonSerializerOptions json, IReadOnlySet<Type> requests,
        IReadOnlySet<Type> responses, IntakeLimits limits)
    {
        var schemas = document.Components!.Schemas!;
        foreach (var type in requests.Concat(responses).Distinct())
        {
            if (!schemas.TryGetValue(type.Name, out var found) || found is not OpenApiSchema schema || schema.Properties is null)
            {
                continue;
            }
            var info = json.GetTypeInfo(type);
            var isRequest = requests.Contains(type);
            schema.Required = new HashSet<string>(info.Properties
                .Where(p => isRequest ? WireSchema.RequiredInRequest(p) : WireSchema.RequiredInResponse(p)).Select(p => p.Name));
            if (!isRequest)
            {
                continue;
            }
            schema.AdditionalPropertiesAllowed = false;
            schema.AdditionalProperties = null;
            foreach (var property in info.Properties)
            {
                if (schema.Properties.TryGetValue(property.Name, out var member) && member is OpenApiSchema inline)
                {
                    DescribeRequestMember(inline, property, limits);
                }
                else if (schema.Properties.TryGetValue(property.Name, out member) && WireSchema.Rule(type, property.Name, limits) is { Default: { } value })
                {
                    // Not every generator reads siblings of a $ref: the default sits beside it in an allOf.
                    schema.Properties[property.Name] = new OpenApiSchema { AllOf = [member], Default = JsonNode.Parse(value) };
                }
            }
            if (type == typeof(Proposal))
            {
                // At least one of the two, as an object (a null one does not count).
                // Branches that only require: one with its own `properties` would leave the other member unevaluated
                // there, and a proposal with both (most samples) would match neither.
                schema.AnyOf =
                [
                    new OpenApiSchema { Required = new HashSet<string> { "response" }, UnevaluatedProperties = true },
                    new OpenApiSchema { Required = new HashSet<string> { "action" }, UnevaluatedProperties = true },
                ];
            }
        }
    }

    private static void DescribeRequestMember(OpenApiSchema member, JsonPropertyInfo property, IntakeLimits limits)
    {
        var valueType = property.PropertyType;
        if (property.Options.GetTypeInfo(valueType) is { Kind: JsonTypeInfoKind.Dictionary, ElementType: { } element })
        {
            member.AdditionalProperties = element == typeof(SignalValue)
                ? new OpenApiSchema { Type = JsonSchemaType.Number | JsonSchemaType.Boolean }
                : WireSchema.IsFreeJson(element) ? new OpenApiSchema { Type = AnyJson, Description = "Any JSON value." }
                : element == typeof(string) ? new OpenApiSchema { Type = JsonSchemaType.String } : member.AdditionalProperties;
        }
        if (WireSchema.IsFreeJson(valueType) && member.Type is null)
        {
            member.Type = AnyJson;
        }
        if (WireSchema.Rule(property.DeclaringType, property.Name, limits) is not { } rule)
        {
            return;
        }
        if (rule.ObjectOnly)
        {
            member.Type = JsonSchemaType.Object | JsonSchemaType.Null;
            member.OneOf = null;
            member.AdditionalPropertiesAllowed = true;
        }
        member.Format = rule.Format ?? member.Format;
        member.Minimum = rule.Minimum?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? member.Minimum;
        member.Maximum = rule.Maximum?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? member.Maximum;
        member.MinLength = rule.MinLength ?? member.MinLength;
        member.MaxLength = rule.MaxLength ?? member.MaxLength;
        member.Pattern = rule.Pattern ?? member.Pattern;
        member.MaxItems = rule.MaxItems ?? member.MaxItems;
        member.MaxProperties = rule.MaxProperties ?? member.MaxProperties;
        if (rule.KeyPattern is { } keys)
        {
            member.PropertyNames = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = keys };
        }
        if (rule.Default is { } value)
        {
            member.Default = JsonNode.Parse(value);
        }
    }
}
