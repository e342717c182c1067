// The official AWS Amplify Events client against an AppSync Events endpoint (the stub, or AWS).
// usage: node probe.mjs HTTPS_ENDPOINT API_KEY   (Amplify only speaks wss/https: run the stub
// with --tls-cert/--tls-key and trust the cert with NODE_EXTRA_CA_CERTS)
// Prints one JSON line per check and exits non-zero if any failed.
import { Amplify } from 'aws-amplify';
import { events } from 'aws-amplify/data';
import WebSocket from 'ws';

globalThis.WebSocket = WebSocket;
const [endpoint, apiKey] = process.argv.slice(2);
const results = [];
const check = (name, ok, detail = '') => {
  results.push(ok);
  console.log(JSON.stringify({ check: name, ok, detail }));
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const configure = (key) =>
  Amplify.configure({
    API: { Events: { endpoint, region: 'us-east-1', defaultAuthMode: 'apiKey', apiKey: key } },
  });

configure(apiKey);
const exact = [];
const wild = [];
const channel = await events.connect('/default/probe/room');
const sub = channel.subscribe({ next: (d) => exact.push(d.event), error: (e) => check('subscribe error', false, String(e)) });
const wildChannel = await events.connect('/default/*');
const wildSub = wildChannel.subscribe({ next: (d) => wild.push(d.event), error: () => {} });
await sleep(500);
await events.post('/default/probe/room', { via: 'http', n: 1 });
await channel.publish({ via: 'ws', n: 2 });
await events.post('/default/probe/room', [{ batch: 1 }, { batch: 2 }]);
await sleep(1000);
check('http publish delivered', exact.some((e) => e.via === 'http'), JSON.stringify(exact));
check('ws publish delivered (publisher receives its own event)', exact.some((e) => e.via === 'ws'));
check('batch of 2 delivered as 2 events', exact.filter((e) => 'batch' in e).length === 2);
check('trailing wildcard matches any depth', wild.length === exact.length, `${wild.length} vs ${exact.length}`);
sub.unsubscribe();
wildSub.unsubscribe();
channel.close();
wildChannel.close();

let refused = false;
try {
  await events.post('/default/probe/room', { bad: true }, { authMode: 'apiKey', authToken: 'da2-wrong' });
} catch (e) {
  refused = true;
}
if (!refused) {
  configure('da2-wrong');
  try {
    await events.post('/default/probe/room', { bad: true });
  } catch (e) {
    refused = true;
  }
}
check('wrong API key refused on HTTP publish', refused);
process.exit(results.every(Boolean) ? 0 : 1);
