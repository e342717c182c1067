// What AppSync's APPSYNC_JS runtime gives channel-namespace handlers, for running them in Node:
// util.unauthorized() / util.error() abort the handler, util.time.nowEpochMilliSeconds() is the
// service's clock, runtime.earlyReturn(value) skips the data source and the response function.
// Shared by the local Event API (handler_host.mjs) and the handler tests.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export class Unauthorized extends Error {}
export class HandlerError extends Error {}
export class EarlyReturn extends Error {
  constructor(value) {
    super('earlyReturn');
    this.value = value;
  }
}

export const clock = { now: () => Date.now() };

export const util = {
  unauthorized() { throw new Unauthorized('Unauthorized'); },
  error(message) { throw new HandlerError(String(message)); },
  time: { nowEpochMilliSeconds: () => clock.now() },
};
export const runtime = {
  earlyReturn(value) { throw new EarlyReturn(value); },
};

const dir = mkdtempSync(join(tmpdir(), 'appsync-js-'));
const shim = join(dir, 'utils.mjs');
writeFileSync(shim, `export { util, runtime } from ${JSON.stringify(import.meta.url)};\n`);
let loaded = 0;

// Import handler source as AppSync would run it, '@aws-appsync/utils' being this module.
export async function load(source) {
  const code = source.replace(
    /from\s+['"]@aws-appsync\/utils['"]/g,
    `from ${JSON.stringify(pathToFileURL(shim).href)}`,
  );
  loaded += 1;
  const file = join(dir, `handler${loaded}.mjs`);
  writeFileSync(file, code);
  return import(pathToFileURL(file).href);
}

export function tempDir() {
  return dir;
}

// One evaluation: handler[fn] as a plain function, or its request/response half (phase).
// -> "allowed" | "unauthorized" | "error: <message>" | {returned} | {earlyReturn} | {request}
export function evaluate(handlers, fn, ctx, phase) {
  const handler = handlers[fn];
  try {
    if (typeof handler === 'function') {
      const value = handler(ctx);
      return value === undefined ? 'allowed' : { returned: value };
    }
    if (phase === 'response') {
      return { returned: handler.response(ctx) };
    }
    return { request: handler.request(ctx) };
  } catch (err) {
    if (err instanceof Unauthorized) return 'unauthorized';
    if (err instanceof HandlerError) return `error: ${err.message}`;
    if (err instanceof EarlyReturn) return { earlyReturn: err.value };
    return `crash: ${err && err.message}`;
  }
}
