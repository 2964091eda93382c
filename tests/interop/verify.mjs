// Verifies one Workbench webhook delivery with the npm standardwebhooks package.
// stdin: {"secret": "whsec_…", "body": "…", "headers": {"webhook-id": …}}; prints "ok <id>" or "rejected <reason>".
import { Webhook } from "standardwebhooks";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { secret, body, headers } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
try {
  const payload = new Webhook(secret).verify(body, headers);
  console.log(`ok ${headers["webhook-id"]} ${payload.type}`);
} catch (e) {
  console.log(`rejected ${e.message}`);
  process.exitCode = 1;
}
