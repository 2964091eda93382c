// An AI system's round trip through a client generated from the served OpenAPI document (openapi-typescript types,
// openapi-fetch calls): submit a case the policy asks a question about, read it, long-poll (202 with the question),
// reply, read it again and find it by its externalId. Prints what it saw as one JSON line; exits 1 on any surprise.
// Usage: node roundtrip.js <baseUrl> <apiKey> <sample.json>
import createClient from "openapi-fetch";
import { readFileSync } from "node:fs";
import type { components, paths } from "./schema.js";

type Submission = components["schemas"]["CaseSubmission"];
type Status = components["schemas"]["CaseStatus"];

const [baseUrl, apiKey, samplePath] = process.argv.slice(2);
const client = createClient<paths>({ baseUrl, headers: { "X-Api-Key": apiKey } });

function fail(step: string, response: Response, body: unknown): never {
  console.error(`${step}: HTTP ${response.status} ${JSON.stringify(body)}`);
  process.exit(1);
}

const submission: Submission = JSON.parse(readFileSync(samplePath, "utf8"));
submission.externalId = `ts-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

const submitted = await client.POST("/api/v1/cases", {
  body: submission,
  params: { header: { "Idempotency-Key": submission.externalId } },
});
if (!submitted.data || submitted.response.status !== 201) fail("submit", submitted.response, submitted.error);
const id: string = submitted.data.id;
const receiptStatus: Status = submitted.data.status;

const read = await client.GET("/api/v1/cases/{id}", { params: { path: { id } } });
if (!read.data) fail("get", read.response, read.error);

const waited = await client.GET("/api/v1/cases/{id}/decision", { params: { path: { id }, query: { wait: 5 } } });
if (waited.response.status !== 202) fail("long-poll", waited.response, waited.error ?? waited.data);
const pending = waited.data as components["schemas"]["PendingDecisionView"];

const replied = await client.POST("/api/v1/cases/{id}/replies", {
  params: { path: { id } },
  body: { message: "The customer is on the Team plan, billed yearly." },
});
if (!replied.data) fail("reply", replied.response, replied.error);

const found = await client.GET("/api/v1/cases/by-external-id/{externalId}", { params: { path: { externalId: submission.externalId } } });
if (!found.data) fail("by-external-id", found.response, found.error);

const listed = await client.GET("/api/v1/cases", { params: { query: { externalId: submission.externalId } } });
if (!listed.data) fail("list", listed.response, listed.error);

console.log(JSON.stringify({
  id,
  receiptStatus,
  readStatus: read.data.status,
  pendingStatus: pending.status,
  question: pending.question ?? null,
  repliedStatus: replied.data.status,
  foundId: found.data.id,
  listedIds: listed.data.items.map((c) => c.id),
}));
