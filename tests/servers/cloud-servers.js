// Starts a real S3 server (s3rver) and the Firebase Storage emulator's GCS JSON API, each on a free
// 127.0.0.1 port, and prints one JSON line {"s3": url, "gcs": url} once both listen. It stops (and
// deletes its temporary data) when its standard input closes, so a test harness that dies takes it along.
//
// The GCS emulator is started in-process without its Java rules runtime (not available here): only the
// admin (unauthenticated JSON API) paths are used, which need no rules.
//
// Both honour conditional writes as the real stores do (conditional.js): S3 If-None-Match / If-Match on
// writes, GCS ifGenerationMatch; the GCS emulator listens on an inner port behind a front that checks them.
'use strict';
const path = require('path');
const fs = require('fs');
const os = require('os');
const net = require('net');
const http = require('http');
const { s3Conditional, gcsConditional } = require('./conditional');
const modules = path.join(__dirname, 'node_modules');
const S3rver = require(path.join(modules, 's3rver'));
const { StorageEmulator } = require(path.join(modules, 'firebase-tools/lib/emulator/storage'));
const { EmulatorRegistry } = require(path.join(modules, 'firebase-tools/lib/emulator/registry'));
const { createApp } = require(path.join(modules, 'firebase-tools/lib/emulator/storage/server'));

const buckets = (process.env.LAMIN_TEST_BUCKETS || 'lamin-test,lamin-other').split(',');

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => { const p = srv.address().port; srv.close(() => resolve(p)); });
    srv.on('error', reject);
  });
}

(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lamin-s3rver-'));
  const s3Port = await freePort();
  const s3 = new S3rver({ port: s3Port, address: '127.0.0.1', directory: dir, silent: true,
    configureBuckets: buckets.map(name => ({ name })) });
  s3.middleware.unshift(s3Conditional(s3));
  await s3.run();

  const gcsPort = await freePort();
  const emulator = new StorageEmulator({ projectId: 'lamin-test', host: '127.0.0.1', port: gcsPort, rules: [], auto_download: false });
  EmulatorRegistry.set(emulator.getName(), emulator);
  const app = await createApp('lamin-test', emulator);
  const innerPort = await freePort();
  const inner = app.listen(innerPort, '127.0.0.1');
  await new Promise((resolve, reject) => { inner.on('listening', resolve); inner.on('error', reject); });
  const server = http.createServer(gcsConditional(innerPort)).listen(gcsPort, '127.0.0.1');
  await new Promise((resolve, reject) => { server.on('listening', resolve); server.on('error', reject); });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try { await s3.close(); } catch (e) { /* already closed */ }
    try { server.close(); } catch (e) { /* already closed */ }
    try { inner.close(); } catch (e) { /* already closed */ }
    try { await emulator.stop(); } catch (e) { /* nothing to stop */ }
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.on('SIGTERM', stop);
  process.stdin.resume();
  process.stdout.write(JSON.stringify({ s3: `http://127.0.0.1:${s3Port}`, gcs: `http://127.0.0.1:${gcsPort}` }) + '\n');
})().catch(e => { console.error(e); process.exit(1); });
