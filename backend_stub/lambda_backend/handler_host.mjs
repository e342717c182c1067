// The channel namespaces' APPSYNC_JS handlers for the local Event API, in one long-lived Node
// process. usage: node handler_host.mjs HANDLERS.json  ({"<namespace>": "<source>", ...})
// stdin: one JSON request a line {"id", "namespace", "fn", "phase"?, "ctx"};
// stdout: one JSON line per request {"id", "result"} (results as appsync_js.mjs evaluate()).
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { evaluate, load } from './appsync_js.mjs';

const sources = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const handlers = {};
for (const [namespace, source] of Object.entries(sources)) {
  handlers[namespace] = await load(source);
}
process.stdout.write(JSON.stringify({ ready: Object.fromEntries(Object.entries(handlers).map(([ns, m]) => [ns, Object.keys(m)])) }) + '\n');

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  let request;
  try {
    request = JSON.parse(line);
  } catch (err) {
    continue;
  }
  const found = handlers[request.namespace];
  const result = found && found[request.fn]
    ? evaluate(found, request.fn, request.ctx, request.phase)
    : `crash: no ${request.fn} handler in namespace ${request.namespace}`;
  process.stdout.write(JSON.stringify({ id: request.id, result }) + '\n');
}
