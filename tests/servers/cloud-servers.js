// Starts a real S3 server (s3rver) and the Firebase Storage emulator's GCS JSON API, each on a free
// 127.0.0.1 port, and prints one JSON line {"s3": url, "gcs": url} once both listen. It stops (and
// deletes its temporary data) when its standard input closes, so a test harness that dies takes it along.
//
// The GCS emulator is started in-process without its Java rules runtime (not available here): only the
// admin (unauthenticated JSON API) paths are used, which need no rules.
'use strict';
const path = require('path');
const fs = require('fs');
const os = require('os');
const net = require('net');
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
  await s3.run();

  const gcsPort = await freePort();
  const emulator = new StorageEmulator({ projectId: 'lamin-test', host: '127.0.0.1', port: gcsPort, rules: [], auto_download: false });
  EmulatorRegistry.set(emulator.getName(), emulator);
  const app = await createApp('lamin-test', emulator);
  const server = app.listen(gcsPort, '127.0.0.1');
  await new Promise((resolve, reject) => { server.on('listening', resolve); server.on('error', reject); });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try { await s3.close(); } catch (e) { /* already closed */ }
    try { server.close(); } catch (e) { /* already closed */ }
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
