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
// Unfinished multipart uploads (s3rver implements none of ListMultipartUploads, ListParts and
// AbortMultipartUpload): the proxy keeps track of every CreateMultipartUpload, UploadPart and
// CompleteMultipartUpload that passes through it to s3rver, and answers those three calls itself from
// that state (GET /<bucket>?uploads, GET /<bucket>/<key>?uploadId=, DELETE /<bucket>/<key>?uploadId=;
// an aborted upload is forgotten, its part files stay in s3rver's folder where nothing lists them).
// GET /__lamin/uploads  the tracked uploads; POST /__lamin/uploads/backdate {"seconds": n} moves every
// tracked upload's start n seconds into the past (an upload left by a process killed long ago).
// Injected rules apply before these answers, so they can fail too.
// UploadPartCopy (s3rver lacks it too): a PUT ?partNumber=&uploadId= with x-amz-copy-source is answered by the
// proxy, which reads the source range from s3rver and uploads it there as that part (the log notes copySource).
// Rule action 'hang': the request is never answered (a stalled server); POST /__lamin/reset drops such requests.
// GET /__lamin/seen?match=<regex>  answers once a request whose "METHOD path+query" matches has arrived (at most 60 s).
// Both s3rvers honour If-None-Match / If-Match on writes as real S3 does (conditional.js); the proxy passes them on.
// Prints one JSON line {"second": url, "proxy": url} once both listen; stops when stdin closes.
'use strict';
const path = require('path');
const fs = require('fs');
const os = require('os');
const net = require('net');
const http = require('http');
const S3rver = require(path.join(__dirname, 'node_modules', 's3rver'));
const { s3Conditional } = require('./conditional');

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
  second.middleware.unshift(s3Conditional(second)); // conditional writes, as real S3 (conditional.js)
  await second.run();

  let rules = [];
  let log = [];
  let hung = [];
  let waiting = [];   // [{ re, res, timer }] answered by /__lamin/seen once a matching request arrives
  const seenNow = () => { waiting = waiting.filter(w => {
    if (!log.some(e => w.re.test(`${e.method} ${e.url}`))) return true;
    clearTimeout(w.timer); w.res.end('{"seen":true}'); return false;
  }); };
  // uploadId -> { bucket, key, initiated (Date), parts: Map(partNumber -> { size, etag, at }) }
  const uploads = new Map();
  const xmlEscape = t => String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const sendXml = (res, status, body) => {
    const text = `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
    res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const ns = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
  const owner = '<ID>lamin-test</ID><DisplayName>lamin-test</DisplayName>';

  // The multipart calls s3rver lacks, answered from the tracked state; null when the request is another one.
  function answerMultipart(req, res, parsed) {
    const parts = parsed.pathname.split('/').filter((x, i) => i > 0);
    const bucket = decodeURIComponent(parts[0] || '');
    const key = parts.slice(1).map(decodeURIComponent).join('/');
    const q = parsed.searchParams;
    if (req.method === 'GET' && !key && q.has('uploads')) {
      const prefix = q.get('prefix') || '';
      const encode = q.get('encoding-type') === 'url';
      const enc = k => encode ? encodeURIComponent(k).replace(/%2F/g, '/') : xmlEscape(k);
      const found = [...uploads.entries()].filter(([, u]) => u.bucket === bucket && u.key.startsWith(prefix))
        .sort((a, b) => a[1].key < b[1].key ? -1 : a[1].key > b[1].key ? 1 : a[1].initiated - b[1].initiated);
      const items = found.map(([id, u]) => `<Upload><Key>${enc(u.key)}</Key><UploadId>${xmlEscape(id)}</UploadId><Initiator>${owner}</Initiator>` +
        `<Owner>${owner}</Owner><StorageClass>STANDARD</StorageClass><Initiated>${u.initiated.toISOString()}</Initiated></Upload>`).join('');
      sendXml(res, 200, `<ListMultipartUploadsResult ${ns}><Bucket>${xmlEscape(bucket)}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>` +
        `<NextKeyMarker></NextKeyMarker><NextUploadIdMarker></NextUploadIdMarker><Prefix>${enc(prefix)}</Prefix>` +
        (encode ? '<EncodingType>url</EncodingType>' : '') + `<MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>${items}</ListMultipartUploadsResult>`);
      return true;
    }
    if (!key || !q.has('uploadId')) return false;
    const id = q.get('uploadId');
    const u = uploads.get(id);
    if ((req.method === 'GET' || req.method === 'DELETE') && (!u || u.bucket !== bucket || u.key !== key)) {
      sendXml(res, 404, `<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message><UploadId>${xmlEscape(id)}</UploadId></Error>`);
      return true;
    }
    if (req.method === 'GET') {
      const items = [...u.parts.entries()].sort((a, b) => a[0] - b[0]).map(([n, p]) =>
        `<Part><PartNumber>${n}</PartNumber><LastModified>${p.at.toISOString()}</LastModified><ETag>${xmlEscape(p.etag)}</ETag><Size>${p.size}</Size></Part>`).join('');
      const last = u.parts.size ? Math.max(...u.parts.keys()) : 0;
      sendXml(res, 200, `<ListPartsResult ${ns}><Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(key)}</Key><UploadId>${xmlEscape(id)}</UploadId>` +
        `<Initiator>${owner}</Initiator><Owner>${owner}</Owner><StorageClass>STANDARD</StorageClass><PartNumberMarker>0</PartNumberMarker>` +
        `<NextPartNumberMarker>${last}</NextPartNumberMarker><MaxParts>1000</MaxParts><IsTruncated>false</IsTruncated>${items}</ListPartsResult>`);
      return true;
    }
    if (req.method === 'DELETE') {
      uploads.delete(id);
      req.resume();
      res.writeHead(204); res.end();
      return true;
    }
    return false;
  }

  // Follows the multipart calls s3rver does answer: the start (its UploadId), each part, the completion.
  function track(req, up, parsed, sent) {
    const q = parsed.searchParams;
    const parts = parsed.pathname.split('/').filter((x, i) => i > 0);
    const bucket = decodeURIComponent(parts[0] || '');
    const key = parts.slice(1).map(decodeURIComponent).join('/');
    if (!key || up.statusCode !== 200) return;
    if (req.method === 'POST' && q.has('uploads')) {
      let body = '';
      up.on('data', c => { body += c; });
      up.on('end', () => {
        const m = /<UploadId>([^<]+)<\/UploadId>/.exec(body);
        if (m) uploads.set(m[1], { bucket, key, initiated: new Date(), parts: new Map() });
      });
    } else if (req.method === 'PUT' && q.has('uploadId') && q.has('partNumber')) {
      const u = uploads.get(q.get('uploadId'));
      if (u) u.parts.set(Number(q.get('partNumber')), { size: Number(req.headers['x-amz-decoded-content-length'] || sent()), etag: up.headers.etag || '""', at: new Date() });
    } else if (req.method === 'POST' && q.has('uploadId')) {
      up.on('end', () => uploads.delete(q.get('uploadId')));
    }
  }
  // UploadPartCopy: GET the source range from s3rver, PUT it there as the part, answer with CopyPartResult.
  function copyPart(req, res, parsed, entry) {
    req.resume();
    const source = decodeURIComponent(req.headers['x-amz-copy-source'].split('?')[0]).replace(/^\//, '');
    const sourcePath = '/' + source.split('/').map(encodeURIComponent).join('/');
    const range = req.headers['x-amz-copy-source-range'];
    const fail = (status, code) => { entry.status = status; sendXml(res, status, `<Error><Code>${code}</Code><Message>copy part failed</Message></Error>`); };
    http.get({ host: target.hostname, port: target.port, path: sourcePath, headers: range ? { range } : {} }, g => {
      const chunks = [];
      g.on('data', c => chunks.push(c));
      g.on('end', () => {
        if (g.statusCode !== 200 && g.statusCode !== 206) { fail(404, 'NoSuchKey'); return; }
        const body = Buffer.concat(chunks);
        const put = http.request({ host: target.hostname, port: target.port, method: 'PUT', path: parsed.pathname + parsed.search,
          headers: { 'content-length': body.length } }, p => {
          let text = '';
          p.on('data', c => { text += c; });
          p.on('end', () => {
            if (p.statusCode !== 200) { fail(p.statusCode, 'InternalError'); return; }
            entry.status = 200;
            const u = uploads.get(parsed.searchParams.get('uploadId'));
            if (u) u.parts.set(Number(parsed.searchParams.get('partNumber')), { size: body.length, etag: p.headers.etag || '""', at: new Date() });
            sendXml(res, 200, `<CopyPartResult ${ns}><LastModified>${new Date().toISOString()}</LastModified><ETag>${xmlEscape(p.headers.etag || '')}</ETag></CopyPartResult>`);
          });
        });
        put.on('error', () => fail(500, 'InternalError'));
        put.end(body);
      });
    }).on('error', () => fail(500, 'InternalError'));
  }

  const proxy = http.createServer((req, res) => {
    const url = req.url;
    if (url.startsWith('/__lamin/')) {
      let body = '';
      req.on('data', c => { body += c; });
      req.on('end', () => {
        if (url === '/__lamin/rules' && req.method === 'POST') { rules = JSON.parse(body || '[]'); res.end('{}'); }
        else if (url === '/__lamin/log') { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(log)); }
        else if (url === '/__lamin/reset' && req.method === 'POST') {
          rules = []; log = []; for (const h of hung) h.destroy(); hung = []; res.end('{}');
        }
        else if (url.startsWith('/__lamin/seen')) {
          const w = { re: new RegExp(new URL(url, 'http://proxy').searchParams.get('match')), res };
          w.timer = setTimeout(() => { waiting = waiting.filter(x => x !== w); res.statusCode = 408; res.end('{"seen":false}'); }, 60000);
          waiting.push(w);
          seenNow();
        }
        else if (url === '/__lamin/uploads') {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify([...uploads.entries()].map(([id, u]) => ({ uploadId: id, bucket: u.bucket, key: u.key, initiated: u.initiated, parts: u.parts.size }))));
        }
        else if (url === '/__lamin/uploads/backdate' && req.method === 'POST') {
          const seconds = Number(JSON.parse(body || '{}').seconds || 0);
          for (const u of uploads.values()) u.initiated = new Date(u.initiated.getTime() - seconds * 1000);
          res.end('{}');
        }
        else { res.statusCode = 404; res.end(); }
      });
      return;
    }
    const entry = { method: req.method, url, range: req.headers.range || null, status: 0, copySource: req.headers['x-amz-copy-source'] || null };
    log.push(entry);
    seenNow();
    const rule = rules.find(r => (!r.method || r.method === req.method) && new RegExp(r.match).test(url) && (r.times === undefined || r.times > 0));
    if (rule) {
      if (rule.times !== undefined) rule.times--;
      if (rule.action === 'reset') { entry.status = -1; req.socket.destroy(); return; }
      if (rule.action === 'hang') { entry.status = -3; req.resume(); hung.push(req.socket); return; }
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
    const parsed = new URL(url, 'http://proxy');
    if (req.method === 'PUT' && parsed.searchParams.has('uploadId') && parsed.searchParams.has('partNumber') && req.headers['x-amz-copy-source']) {
      copyPart(req, res, parsed, entry);
      return;
    }
    if (answerMultipart(req, res, parsed)) { entry.status = res.statusCode; return; }
    let bytes = 0;
    req.on('data', c => { bytes += c.length; });
    const headers = Object.assign({}, req.headers, { host: target.host });
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: url, headers }, up => {
      entry.status = up.statusCode;
      track(req, up, parsed, () => bytes);
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
