// Two more S3 endpoints for the tests, next to cloud-servers.js (argument: the main s3rver's URL):
//  - "second": an independent s3rver (its own data, bucket lamin-test): the same bucket name behind
//    another endpoint, i.e. another storage location.
//  - "proxy": a pass-through proxy to the main s3rver that can be told to fail chosen requests, the way
//    real S3 does and s3rver can't (403 AccessDenied, 5xx/throttling, a region header, a dropped
//    connection), and that logs every request it saw.
// Control API on the proxy (never forwarded): POST /__lamin/rules  [{method, match, status, code,
// headers, action, times}] replaces the rules; GET /__lamin/log  the log [{method, url, range, status}];
// POST /__lamin/reset  clears rules and log. A rule applies to requests whose method equals `method`
// (or any when absent) and whose path+query matches the regular expression `match`; `action` 'reset'
// destroys the connection instead of answering; `times` limits how often it fires (default: always).
// Prints one JSON line {"second": url, "proxy": url} once both listen; stops when stdin closes.
'use strict';
const path = require('path');
const fs = require('fs');
const os = require('os');
const net = require('net');
const http = require('http');
const S3rver = require(path.join(__dirname, 'node_modules', 's3rver'));

const target = new URL(process.argv[2]);

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => { const p = srv.address().port; srv.close(() => resolve(p)); });
    srv.on('error', reject);
  });
}

function s3ErrorXml(code) {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>injected by the test proxy</Message><RequestId>lamin-test</RequestId></Error>`;
}

(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lamin-s3rver-b-'));
  const secondPort = await freePort();
  const second = new S3rver({ port: secondPort, address: '127.0.0.1', directory: dir, silent: true,
    configureBuckets: [{ name: 'lamin-test' }] });
  await second.run();

  let rules = [];
  let log = [];
  const proxy = http.createServer((req, res) => {
    const url = req.url;
    if (url.startsWith('/__lamin/')) {
      let body = '';
      req.on('data', c => { body += c; });
      req.on('end', () => {
        if (url === '/__lamin/rules' && req.method === 'POST') { rules = JSON.parse(body || '[]'); res.end('{}'); }
        else if (url === '/__lamin/log') { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(log)); }
        else if (url === '/__lamin/reset' && req.method === 'POST') { rules = []; log = []; res.end('{}'); }
        else { res.statusCode = 404; res.end(); }
      });
      return;
    }
    const entry = { method: req.method, url, range: req.headers.range || null, status: 0 };
    log.push(entry);
    const rule = rules.find(r => (!r.method || r.method === req.method) && new RegExp(r.match).test(url) && (r.times === undefined || r.times > 0));
    if (rule) {
      if (rule.times !== undefined) rule.times--;
      if (rule.action === 'reset') { entry.status = -1; req.socket.destroy(); return; }
      entry.status = rule.status;
      // Answer once the request body was read, as a server does.
      req.on('end', () => {
        const body = req.method === 'HEAD' || !rule.code ? '' : s3ErrorXml(rule.code);
        res.writeHead(rule.status, Object.assign({ 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) }, rule.headers || {}));
        res.end(body);
      });
      req.resume();
      return;
    }
    const headers = Object.assign({}, req.headers, { host: target.host });
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: url, headers }, up => {
      entry.status = up.statusCode;
      res.writeHead(up.statusCode, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => { entry.status = -2; req.socket.destroy(); });
    req.pipe(upstream);
  });
  const proxyPort = await freePort();
  await new Promise((resolve, reject) => { proxy.listen(proxyPort, '127.0.0.1', resolve); proxy.on('error', reject); });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try { await second.close(); } catch (e) { /* already closed */ }
    try { proxy.close(); } catch (e) { /* already closed */ }
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.on('SIGTERM', stop);
  process.stdin.resume();
  process.stdout.write(JSON.stringify({ second: `http://127.0.0.1:${secondPort}`, proxy: `http://127.0.0.1:${proxyPort}` }) + '\n');
})().catch(e => { console.error(e); process.exit(1); });
