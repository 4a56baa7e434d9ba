// Conditional writes the local test servers lack, implemented as the real stores answer them, so that a
// create-only write (a lease, a copy that must not overwrite) is exclusive against these servers too:
//  - s3rver: PutObject, CopyObject and CompleteMultipartUpload with If-None-Match: * → 412 PreconditionFailed
//    when an object is at the key; If-Match: <etag> → 412 when the object's ETag differs, 404 NoSuchKey when
//    there is none (S3 conditional writes); DeleteObject with If-Match: <etag> the same (S3 conditional deletes).
//    s3rver only honours these headers on GET.
//  - the Firebase Storage emulator (GCS JSON API): ifGenerationMatch=<n> on uploads (media, multipart and
//    resumable: checked when the upload is finalized), copyTo and rewriteTo → 412 conditionNotMet when the
//    object's generation is not n (0: when any object is there); and on object deletes (DELETE .../o/<name>):
//    412 when the object's generation is not n. The emulator ignores the parameter.
// Each condition is checked and its write done under one lock per object, so two conditional writes to the same
// key never both pass (the servers handle requests concurrently).
'use strict';
const http = require('http');
const zlib = require('zlib');

/** Runs task(release) once every earlier task of `key` released; returns when this one released. */
function makeLocks() {
  const locks = new Map();
  return (key, task) => {
    const prev = locks.get(key) || Promise.resolve();
    const mine = prev.then(() => new Promise(release => {
      try { task(release); } catch (e) { release(); throw e; }
    }));
    const tail = mine.catch(() => {});
    locks.set(key, tail);
    tail.then(() => { if (locks.get(key) === tail) locks.delete(key); });
    return mine;
  };
}

function s3ErrorXml(code, message) {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>lamin-test</RequestId></Error>`;
}

/** A Koa middleware for an S3rver instance; install with s3.middleware.unshift(...) before s3.run(). */
function s3Conditional(s3) {
  const withLock = makeLocks();
  return async (ctx, next) => {
    const noneMatch = ctx.get('if-none-match');
    const match = ctx.get('if-match');
    const q = ctx.query;
    const isWrite = (ctx.method === 'PUT' && q.partNumber === undefined) || (ctx.method === 'POST' && q.uploadId !== undefined);
    // DeleteObject with If-Match: <etag> (S3 conditional deletes): 412 when the object's ETag differs, 404 when it is gone.
    const isDelete = ctx.method === 'DELETE' && q.uploadId === undefined && !!match;
    if ((!isWrite && !isDelete) || (!noneMatch && !match)) return next();
    const parts = ctx.path.split('/').filter((x, i) => i > 0);
    const bucket = decodeURIComponent(parts[0] || '');
    const key = parts.slice(1).map(decodeURIComponent).join('/');
    if (!key) return next();
    let failure = null;
    await withLock(`${bucket}/${key}`, async release => {
      try {
        const exists = await s3.store.existsObject(bucket, key);
        if (noneMatch === '*' && exists) failure = [412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold'];
        else if (match) {
          if (!exists) failure = [404, 'NoSuchKey', 'The specified key does not exist.'];
          else {
            const meta = await s3.store.getMetadata(bucket, key);
            const etag = meta && meta.etag;
            if (match !== '*' && match !== etag && `"${match}"` !== etag) failure = [412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold'];
          }
        }
        if (!failure) await next();
      } finally { release(); }
    });
    if (failure) {
      ctx.status = failure[0];
      ctx.type = 'application/xml';
      ctx.body = s3ErrorXml(failure[1], failure[2]);
    }
  };
}

/**
 * A request handler in front of the GCS emulator listening on innerPort: forwards everything, and checks
 * ifGenerationMatch itself (see the file summary). The Host header is kept, so the emulator's upload URLs
 * name this front.
 */
function gcsConditional(innerPort) {
  const withLock = makeLocks();
  const pending = new Map(); // resumable upload_id → { bucket, name, generation }

  const forward = (req, res, body, done) => {
    const up = http.request({ host: '127.0.0.1', port: innerPort, method: req.method, path: req.url, headers: req.headers }, r => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
      r.on('end', () => done && done(r));
      r.on('error', () => done && done(r));
    });
    up.on('error', () => { res.statusCode = 502; res.end(); if (done) done(null); });
    if (body) up.end(body); else req.pipe(up);
  };
  const generationOf = (bucket, name) => new Promise(resolve => {
    http.get({ host: '127.0.0.1', port: innerPort, path: `/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(name)}` }, r => {
      let text = '';
      r.on('data', c => { text += c; });
      r.on('end', () => {
        if (r.statusCode === 404) resolve('0');
        else { try { resolve(String(JSON.parse(text).generation)); } catch (e) { resolve(null); } }
      });
    }).on('error', () => resolve(null));
  });
  const refuse = res => {
    const body = JSON.stringify({ error: { code: 412, message: 'At least one of the pre-conditions you specified did not hold.',
      errors: [{ message: 'At least one of the pre-conditions you specified did not hold.', domain: 'global', reason: 'conditionNotMet' }] } });
    res.writeHead(412, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  // Checks the condition and forwards under the object's lock.
  const conditional = (req, res, body, bucket, name, want, after) => withLock(`${bucket}/${name}`, async release => {
    const now = await generationOf(bucket, name);
    if (now !== String(want)) { refuse(res); release(); if (after) after(null); return; }
    forward(req, res, body, r => { release(); if (after) after(r); });
  });
  const readBody = req => new Promise(resolve => { const chunks = []; req.on('data', c => chunks.push(c)); req.on('end', () => resolve(Buffer.concat(chunks))); });

  return async (req, res) => {
    const url = new URL(req.url, 'http://front');
    const q = url.searchParams;
    const want = q.get('ifGenerationMatch');
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    const copy = /^\/storage\/v1\/b\/[^/]+\/o\/[^/]+\/(?:copyTo|rewriteTo)\/b\/([^/]+)\/o\/([^/]+)$/.exec(url.pathname);
    if (upload && q.get('upload_id') && pending.has(q.get('upload_id'))) {
      const id = q.get('upload_id');
      const p = pending.get(id);
      const body = await readBody(req);
      // Finalized (or refused): the upload is over.
      return conditional(req, res, body, p.bucket, p.name, p.generation, r => { if (!r || r.statusCode === 200 || r.statusCode === 201) pending.delete(id); });
    }
    if (want === null) return forward(req, res, null, null);
    if (upload) {
      const bucket = decodeURIComponent(upload[1]);
      const body = await readBody(req);
      if ((q.get('uploadType') || req.headers['x-goog-upload-protocol']) === 'resumable') {
        // Started here; the condition is checked when the upload is finalized (its PUT). The emulator's upload URL names the object.
        return forward(req, res, body, r => {
          const location = r && r.headers.location;
          if (!location) return;
          const at = new URL(location).searchParams;
          if (at.get('upload_id') && at.get('name')) pending.set(at.get('upload_id'), { bucket, name: at.get('name'), generation: want });
        });
      }
      let text = body;
      if (/gzip/.test(req.headers['content-encoding'] || '')) { try { text = zlib.gunzipSync(body); } catch (e) { /* not gzip after all */ } }
      let name = q.get('name');
      if (!name) { const m = /"name"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(text.toString('latin1')); if (m) name = JSON.parse(`"${m[1]}"`); }
      if (!name) return forward(req, res, body, null);
      return conditional(req, res, body, bucket, name, want);
    }
    // (The .NET client addresses an emulator host without the /storage/v1 base path.)
    const del = req.method === 'DELETE' && /^(?:\/storage\/v1)?\/b\/([^/]+)\/o\/([^/]+)$/.exec(url.pathname);
    if (del) return conditional(req, res, null, decodeURIComponent(del[1]), decodeURIComponent(del[2]), want);
    if (copy) {
      const body = await readBody(req);
      return conditional(req, res, body, decodeURIComponent(copy[1]), decodeURIComponent(copy[2]), want);
    }
    return forward(req, res, null, null);
  };
}

module.exports = { s3Conditional, gcsConditional };
