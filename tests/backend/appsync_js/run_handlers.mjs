// Runs an APPSYNC_JS channel-namespace handler under Node with a small `util` shim.
// usage: node run_handlers.mjs HANDLER.js CASES.json
// CASES.json: [{"fn": "onSubscribe", "ctx": {...}}, ...]  ->  prints one result per case:
// "allowed" | "unauthorized" | "error: <message>" | {"returned": <value>}
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [handlerPath, casesPath] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'appsync-js-'));
try {
  // What AppSync's runtime provides: util.unauthorized() and util.error() abort the handler.
  writeFileSync(join(dir, 'utils.mjs'), `
    export class Unauthorized extends Error {}
    export class HandlerError extends Error {}
    export const util = {
      unauthorized() { throw new Unauthorized('Unauthorized'); },
      error(message) { throw new HandlerError(String(message)); },
    };
    export const runtime = {};
  `);
  const source = readFileSync(handlerPath, 'utf8').replace(
    /from\s+['"]@aws-appsync\/utils['"]/g,
    `from ${JSON.stringify(pathToFileURL(join(dir, 'utils.mjs')).href)}`,
  );
  writeFileSync(join(dir, 'handler.mjs'), source);
  const handler = await import(pathToFileURL(join(dir, 'handler.mjs')).href);
  const { Unauthorized, HandlerError } = await import(pathToFileURL(join(dir, 'utils.mjs')).href);
  const results = [];
  for (const c of JSON.parse(readFileSync(casesPath, 'utf8'))) {
    try {
      const value = handler[c.fn](c.ctx);
      results.push(value === undefined ? 'allowed' : { returned: value });
    } catch (err) {
      if (err instanceof Unauthorized) results.push('unauthorized');
      else if (err instanceof HandlerError) results.push(`error: ${err.message}`);
      else results.push(`crash: ${err && err.message}`);
    }
  }
  process.stdout.write(JSON.stringify(results));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
