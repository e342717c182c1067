// Runs an APPSYNC_JS channel-namespace handler under Node with the runtime shim the local Event
// API uses (backend_stub/lambda_backend/appsync_js.mjs).
// usage: node run_handlers.mjs HANDLER.js CASES.json
// CASES.json: [{"fn": "onSubscribe", "ctx": {...}, "phase"?: "request"|"response", "now"?: ms}]
// -> prints one result per case: "allowed" | "unauthorized" | "error: <message>" |
//    {"returned"} | {"request"} | {"earlyReturn"} | "crash: <message>"
import { readFileSync, rmSync } from 'node:fs';
import { clock, evaluate, load, tempDir } from '../../../backend_stub/lambda_backend/appsync_js.mjs';

const [handlerPath, casesPath] = process.argv.slice(2);
try {
  const handlers = await load(readFileSync(handlerPath, 'utf8'));
  const results = [];
  for (const c of JSON.parse(readFileSync(casesPath, 'utf8'))) {
    clock.now = c.now === undefined ? () => Date.now() : () => c.now;
    results.push(evaluate(handlers, c.fn, c.ctx, c.phase));
  }
  process.stdout.write(JSON.stringify(results));
} finally {
  rmSync(tempDir(), { recursive: true, force: true });
}
