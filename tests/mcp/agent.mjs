// An agent's session with Workbench through the official TypeScript MCP client (@modelcontextprotocol/sdk), against
// the app on 127.0.0.1 (tests/Workbench.Web.Tests/Mcp/McpTypeScriptClientTests.cs):
//   1. list the tools; check every case file of <casesDir> against request_human_review's published input schema with
//      ajv (JSON Schema 2020-12, strict, formats checked);
//   2. request_human_review with <sampleFile>; wait_for_decision for the longest wait the tool grants, with the
//      client's default request timeout (60 s); print `ready <caseId>` and wait again (the caller has a reviewer
//      decide); read the status;
//   3. the argument errors an agent makes: case_id as a number, wait_seconds as a word, a reply without its message,
//      an argument the tool does not take.
// Every structuredContent is checked against the tool's outputSchema by the client itself and again with strict ajv.
// Prints one JSON line of what it saw last; exits 1 on a surprise.
// Usage: node agent.mjs <baseUrl> <apiKey> <casesDir> <sampleFile>
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const [baseUrl, apiKey, casesDir, samplePath] = process.argv.slice(2);

function fail(step, detail) {
  console.error(`${step}: ${typeof detail === "string" ? detail : JSON.stringify(detail)}`);
  process.exit(1);
}

// Strict, but for two of ajv's authoring lints: a type list (["null", "string"]) and a `required` in an anyOf branch
// that names a member declared beside it (the proposal's "response or action") are valid JSON Schema.
const ajv = new Ajv2020({ strict: true, strictTypes: false, strictRequired: false, allErrors: true });
addFormats(ajv);
const client = new Client({ name: "workbench-agent-test", version: "1.0.0" });
await client.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
  requestInit: { headers: { Authorization: `Bearer ${apiKey}` } },
}));

// 1. The tools and their schemas.
const { tools } = await client.listTools();
const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
const outputValidators = {};
for (const tool of tools) {
  if (!tool.outputSchema) fail("list", `${tool.name} has no outputSchema`);
  outputValidators[tool.name] = ajv.compile(tool.outputSchema);
  ajv.compile(tool.inputSchema); // a schema strict ajv refuses to compile is a failure too
}
const validateInput = ajv.compile(byName.request_human_review.inputSchema);
const cases = readdirSync(casesDir).filter((f) => f.endsWith(".json")).sort().map((file) => {
  const submission = JSON.parse(readFileSync(join(casesDir, file), "utf8"));
  const valid = validateInput({ submission, idempotency_key: `key-${file}` });
  return { file, valid, errors: valid ? [] : validateInput.errors.map((e) => `${e.instancePath} ${e.message}`) };
});

/** A call whose success is checked against the tool's output schema (the client checked it already). */
async function call(name, args, options) {
  const result = await client.callTool({ name, arguments: args }, undefined, options);
  if (!result.isError) {
    if (!result.structuredContent) fail(name, "no structuredContent");
    if (!outputValidators[name](result.structuredContent)) fail(name, outputValidators[name].errors);
    const text = JSON.parse(result.content[0].text);
    if (JSON.stringify(text) !== JSON.stringify(result.structuredContent)) fail(name, "text and structuredContent differ");
  }
  return result;
}

function problemOf(result) {
  if (!result.isError) fail("argument error", result);
  const text = result.content.map((c) => c.text).join("\n");
  return { text, problem: JSON.parse(text) };
}

// 2. The round trip.
const submission = JSON.parse(readFileSync(samplePath, "utf8"));
submission.externalId = `mcp-ts-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
const submitted = await call("request_human_review", { submission, idempotency_key: submission.externalId });
if (submitted.isError) fail("request_human_review", submitted.content);
const caseId = submitted.structuredContent.id;

const maxWait = byName.wait_for_decision.inputSchema.properties.wait_seconds.maximum;
const started = Date.now();
// No timeout given: the client's default (DEFAULT_REQUEST_TIMEOUT_MSEC, 60 s) applies.
const longest = await call("wait_for_decision", { case_id: caseId, wait_seconds: maxWait });
const longestSeconds = (Date.now() - started) / 1000;
if (longest.isError) fail("wait_for_decision", longest.content);

console.log(`ready ${caseId}`);
const decided = await call("wait_for_decision", { case_id: caseId });
if (decided.isError) fail("wait_for_decision", decided.content);
const status = await call("get_review_status", { case_id: caseId });

// 3. The argument errors.
const errors = {
  caseIdNumber: problemOf(await call("get_review_status", { case_id: 42 })),
  waitWord: problemOf(await call("wait_for_decision", { case_id: caseId, wait_seconds: "soon" })),
  waitTooLong: problemOf(await call("wait_for_decision", { case_id: caseId, wait_seconds: 60 })),
  replyWithoutMessage: problemOf(await call("reply_to_reviewer", { case_id: caseId })),
  unknownArgument: problemOf(await call("get_review_status", { case_id: caseId, verbose: true })),
  submissionNotAnObject: problemOf(await call("request_human_review", { submission: "refund order A-77" })),
};

console.log(JSON.stringify({
  tools: tools.map((t) => ({ name: t.name, inputSchema: t.inputSchema, outputSchema: t.outputSchema })),
  cases,
  caseId,
  receiptStatus: submitted.structuredContent.status,
  maxWait,
  longestState: longest.structuredContent.state,
  longestSeconds,
  decidedState: decided.structuredContent.state,
  decision: decided.structuredContent.decision?.decision ?? null,
  status: status.structuredContent.status,
  errors,
}));
await client.close();
