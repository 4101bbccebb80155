#!/usr/bin/env node
// Runs Meta's Postman collection for the WhatsApp Business On-Premises API with newman,
// unchanged: the collection file is only read. In memory, the `<placeholder>` values it leaves
// in paths, headers and bodies are replaced from substitution maps, file bodies get the files
// the maps name, the environment is filled, and every request gets the assertions the
// collection lacks (HTTP status and the On-Premises response envelope). See docs/postman.md.
//
// Usage:
//   node run-postman.js --values postman-values.json [--values more.json ...]
//       [--expect expectations.json] [--report report.json] [--collection collection.json]
//       [--environment environment.json] [--insecure] [--timeout-ms 30000]
'use strict';

const fs = require('fs');
const path = require('path');
const newman = require('newman');

const POSTMAN_DIR = path.resolve(__dirname, '../../shared/conformance/postman');
const PLACEHOLDER = /<[^<>"]*>?/g;
// Requests whose success answer is the resource itself, not a JSON envelope (spec §8.2, §9.5,
// §10.6).
const BINARY = new Set([
  'Get-Profile-Photo-Binary',
  'Download-Media',
  'Download-CA-Certificate',
  'Download Webhook CA Certificate',
]);
// Environment variables a request's answer fills, as a user copies them in the Postman app.
const CAPTURES = {
  'Login-Admin': { AdminAuthToken: 'users.0.token' },
  'Login-User': { UserAuthToken: 'users.0.token' },
  'Backup-Settings': { 'Backup-Data': 'settings.data' },
  'Create-Third-Party-Stickerpacks': { 'Test-3P-Stickerpack-Id': 'stickerpacks.0.id' },
  'Create-Third-Party-Stickers': { 'Test-Sticker-Index': 'stickers.0.index' },
};

function parseArgs(argv) {
  const args = { values: [], insecure: false, timeoutMs: 30000 };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const next = () => {
      i += 1;
      if (i >= argv.length) throw new Error(`${flag} needs a value`);
      return argv[i];
    };
    if (flag === '--values') args.values.push(next());
    else if (flag === '--expect') args.expect = next();
    else if (flag === '--report') args.report = next();
    else if (flag === '--collection') args.collection = next();
    else if (flag === '--environment') args.environment = next();
    else if (flag === '--insecure') args.insecure = true;
    else if (flag === '--timeout-ms') args.timeoutMs = Number(next());
    else throw new Error(`unknown argument ${flag}`);
  }
  args.collection =
    args.collection ||
    process.env.WAEMU_POSTMAN_COLLECTION ||
    path.join(POSTMAN_DIR, 'collection.json');
  args.environment =
    args.environment || path.join(path.dirname(args.collection), 'environment.json');
  if (args.values.length === 0) args.values.push(path.join(__dirname, 'postman-values.json'));
  return args;
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** Merge the substitution maps in order (later files win); file paths become absolute. */
function loadValues(files) {
  const merged = { environment: {}, placeholders: {}, requests: {}, files: {}, perInstance: [] };
  for (const file of files) {
    const values = readJson(file);
    // "examples" stand for values each instance gives out: their keys must be given, their
    // example values are never used.
    merged.perInstance.push(...Object.keys(values.examples || {}));
    Object.assign(merged.environment, values.environment || {});
    Object.assign(merged.placeholders, values.placeholders || {});
    for (const [name, map] of Object.entries(values.requests || {})) {
      merged.requests[name] = { ...(merged.requests[name] || {}), ...map };
    }
    for (const [name, src] of Object.entries(values.files || {})) {
      merged.files[name] = path.resolve(path.dirname(file), src);
    }
  }
  return merged;
}

/** Replace every placeholder of `map` in `text`; inside JSON, a quoted placeholder becomes
 * the value's JSON (so `"true | false"` can become `true`). */
function substitute(text, map, json) {
  const keys = Object.keys(map).sort((a, b) => b.length - a.length);
  let result = text;
  for (const key of keys) {
    const value = map[key];
    if (json) result = result.split(JSON.stringify(key)).join(JSON.stringify(value));
    const plain = typeof value === 'string' ? value : JSON.stringify(value);
    result = result.split(json ? JSON.stringify(key).slice(1, -1) : key).join(
      json ? JSON.stringify(plain).slice(1, -1) : plain,
    );
  }
  return result;
}

/** `<Free text>` left in a JSON string value becomes its words: the collection's labels
 * ("<Button 1>", "<Section 1>") stand for any text. */
function freeText(raw, seen, perInstance) {
  return raw.replace(/"<([^<>"]+)>"/g, (match, words) => {
    if (perInstance.includes(match.slice(1, -1))) return match;
    seen.add(match.slice(1, -1));
    return JSON.stringify(words);
  });
}

/** The collection's items in order, each with its folder path. */
function flatten(items, folder, out) {
  for (const item of items) {
    if (item.item) flatten(item.item, folder.concat(item.name), out);
    else out.push({ item, folder: folder.join('/') });
  }
  return out;
}

/** Fill one request in memory; what it still lacks is added to `missing` (what → names). */
function prepareRequest(item, values, missing, freeTexts, captured) {
  const lacks = (what) => missing.set(what, (missing.get(what) || new Set()).add(item.name));
  const request = item.request;
  const map = { ...values.placeholders, ...(values.requests[item.name] || {}) };
  const file = values.files[item.name];
  const raw = typeof request.url === 'string' ? request.url : request.url.raw;
  request.url = substitute(raw, map, false);
  for (const header of request.header || []) {
    if (header.value === '<content-size>' && file) header.value = String(fs.statSync(file).size);
    else header.value = substitute(header.value, map, false);
  }
  request.header = (request.header || []).filter((h) => !h.disabled && h.key);
  const body = request.body;
  if (body && body.mode === 'raw' && body.raw) {
    body.raw = freeText(substitute(body.raw, map, true), freeTexts, values.perInstance);
  } else if (body && body.mode === 'file') {
    // The collection gives DELETE requests an empty file body: nothing to send.
    if (file) body.file = { src: file };
    else if (request.method === 'DELETE') delete request.body;
    else lacks('a file for the body (files)');
  }
  const basic = request.auth && request.auth.basic ? request.auth.basic.map((b) => b.value) : [];
  const texts = [request.url, body && body.raw, ...request.header.map((h) => h.value), ...basic];
  for (const text of texts.filter(Boolean).map(String)) {
    for (const [found] of text.matchAll(PLACEHOLDER)) {
      if (!(found === '<content-size>' && !file)) lacks(`placeholder ${JSON.stringify(found)}`);
    }
    for (const [, variable] of text.matchAll(/{{([^{}]+)}}/g)) {
      if (!(variable in values.environment) && !captured.has(variable)) {
        lacks(`environment variable ${variable}`);
      }
    }
  }
}

/** The test script checking one request's answer against its expectation. */
function testScript(name, expectation, captures) {
  return `
const expected = ${JSON.stringify(expectation)};
const binary = ${JSON.stringify(BINARY.has(name))};
const captures = ${JSON.stringify(captures || {})};
const status = pm.response.code;
const type = (pm.response.headers.get('Content-Type') || '').toLowerCase();
let body = null;
try { body = JSON.parse(pm.response.text()); } catch (e) { body = null; }
const code = body && Array.isArray(body.errors) && body.errors[0] ? body.errors[0].code : null;
function fits(alt) {
  if (alt.status === '2xx') return status >= 200 && status < 300;
  return status === alt.status && (alt.code === undefined || code === alt.code);
}
const alternatives = Array.isArray(expected) ? expected : [expected];
pm.test('status: ' + JSON.stringify(expected), function () {
  if (!alternatives.some(fits)) {
    throw new Error('answered ' + status + (code === null ? '' : ' code ' + code));
  }
});
if (status >= 200 && status < 300 && binary && !type.startsWith('application/json')) {
  pm.test('binary answer', function () { pm.expect(pm.response.responseSize).to.be.above(0); });
} else {
  pm.test('envelope', function () {
    pm.expect(body, 'a JSON object').to.be.an('object');
    pm.expect(body.meta, 'meta').to.be.an('object');
    pm.expect(body.meta.api_status, 'meta.api_status').to.be.a('string');
    pm.expect(body.meta.version, 'meta.version').to.be.a('string');
    if (status >= 400) {
      pm.expect(body.errors, 'errors').to.be.an('array').that.is.not.empty;
      body.errors.forEach(function (error) {
        pm.expect(error.code, 'errors[].code').to.be.a('number');
        pm.expect(error.title, 'errors[].title').to.be.a('string');
      });
    } else {
      pm.expect(body, 'no errors on success').to.not.have.property('errors');
    }
  });
}
if (status >= 200 && status < 300 && body) {
  Object.keys(captures).forEach(function (variable) {
    const value = captures[variable].split('.').reduce(function (at, key) {
      return at === undefined || at === null ? undefined : at[key];
    }, body);
    if (value !== undefined) pm.environment.set(variable, String(value));
  });
}`;
}

/** After Logout-User (which revokes the admin's token): the token is refused, then the admin
 * logs in again, as a user of the app would, so the requests after it can run. */
const RELOGIN = `
const revoked = pm.environment.get('AdminAuthToken');
pm.sendRequest({
  url: pm.environment.get('URL') + '/v1/health',
  method: 'GET',
  header: { Authorization: 'Bearer ' + revoked },
}, function (error, answer) {
  pm.test('logged-out token is refused', function () {
    pm.expect(error).to.equal(null);
    pm.expect(answer.code).to.equal(401);
  });
  pm.sendRequest({
    url: pm.environment.get('URL') + '/v1/users/login',
    method: 'POST',
    auth: { type: 'basic', basic: [
      { key: 'username', value: pm.environment.get('AdminUsername') },
      { key: 'password', value: pm.environment.get('AdminPassword') },
    ] },
  }, function (again, login) {
    pm.test('admin logs in again', function () {
      pm.expect(again).to.equal(null);
      pm.expect(login.code).to.equal(200);
    });
    if (!again && login.code === 200) {
      pm.environment.set('AdminAuthToken', login.json().users[0].token);
    }
  });
});`;

function prepare(collection, values, expectations) {
  const missing = new Map();
  const captured = new Set(); // variables set by the answer of a request run before
  const freeTexts = new Set();
  const entries = flatten(collection.item, [], []);
  entries.forEach(({ item }, index) => {
    item.id = item.id || `request-${index + 1}`; // to find its folder in the report
    prepareRequest(item, values, missing, freeTexts, captured);
    Object.keys(CAPTURES[item.name] || {}).forEach((variable) => captured.add(variable));
    const expectation = expectations[item.name] || { status: '2xx' };
    const exec = [testScript(item.name, expectation, CAPTURES[item.name])];
    if (item.name === 'Logout-User') exec.push(RELOGIN);
    item.event = [{ listen: 'test', script: { type: 'text/javascript', exec } }];
  });
  const problems = [...missing].map(([what, names]) => {
    const where = names.size > 4 ? `${names.size} requests` : [...names].join(', ');
    return `${what}: ${where}`;
  });
  return { entries, problems, freeTexts: [...freeTexts].sort() };
}

function environment(file, values) {
  const env = readJson(file);
  const known = new Set(env.values.map((v) => v.key));
  for (const entry of env.values) {
    if (entry.key in values.environment) entry.value = String(values.environment[entry.key]);
  }
  for (const [key, value] of Object.entries(values.environment)) {
    if (!known.has(key)) env.values.push({ key, value: String(value), enabled: true });
  }
  return env;
}

function excerpt(response) {
  if (!response) return null;
  const type = response.headers.get('Content-Type') || '';
  if (!type.includes('json') && !type.startsWith('text/')) {
    return `<${response.responseSize} bytes of ${type}>`;
  }
  return response.stream ? response.stream.toString('utf8').slice(0, 800) : null;
}

/** Records, per request of the collection, its own answer (the first request of the item:
 * those its test script sends come after it) and every assertion made for it. */
function recorder(emitter) {
  const byItem = new Map();
  const entry = (item) => {
    if (!byItem.has(item.id)) byItem.set(item.id, { assertions: [] });
    return byItem.get(item.id);
  };
  emitter.on('request', (error, args) => {
    const found = entry(args.item);
    if (found.request) return;
    Object.assign(found, { request: args.request, response: args.response, error });
  });
  emitter.on('assertion', (error, args) => {
    entry(args.item).assertions.push({
      name: args.assertion,
      passed: !error,
      error: error ? error.message : null,
    });
  });
  return byItem;
}

function errorCode(response) {
  try {
    const body = JSON.parse(response.stream.toString('utf8'));
    return body.errors && body.errors[0] ? body.errors[0].code : null;
  } catch (e) {
    return null;
  }
}

function report(name, byItem, entries, freeTexts, started) {
  const requests = entries.map(({ item, folder }, index) => {
    const { request, response, error, assertions } = byItem.get(item.id) || { assertions: [] };
    const failure = request ? error && error.message : 'not run';
    return {
      index,
      name: item.name,
      folder,
      method: item.request.method,
      url: request ? request.url.toString() : String(item.request.url),
      status: response ? response.code : null,
      code: response ? errorCode(response) : null,
      error: failure || null,
      assertions,
      passed: !failure && assertions.length > 0 && assertions.every((a) => a.passed),
      body: excerpt(response),
    };
  });
  return {
    collection: name,
    seconds: (Date.now() - started) / 1000,
    free_text: freeTexts,
    requests,
    passed: requests.every((r) => r.passed),
  };
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const values = loadValues(args.values);
  const expectations = args.expect ? readJson(args.expect) : {};
  const collection = readJson(args.collection);
  const { entries, problems, freeTexts } = prepare(collection, values, expectations);
  if (problems.length) {
    process.stderr.write(`No value yet (see docs/postman.md) for\n  ${problems.join('\n  ')}\n`);
    process.exit(2);
  }
  const started = Date.now();
  const emitter = newman.run(
    {
      collection,
      environment: environment(args.environment, values),
      insecure: args.insecure,
      insecureFileRead: true,
      timeoutRequest: args.timeoutMs,
      reporters: args.report ? [] : ['cli'],
    },
    (error) => {
      if (error) throw error;
      const result = report(collection.info.name, byItem, entries, freeTexts, started);
      if (args.report) fs.writeFileSync(args.report, `${JSON.stringify(result, null, 2)}\n`);
      const failed = result.requests.filter((r) => !r.passed);
      for (const r of failed) {
        const why = r.error || r.assertions.filter((a) => !a.passed).map((a) => a.error).join('; ');
        process.stdout.write(`FAIL ${r.folder} / ${r.name}: ${r.status} ${why}\n`);
      }
      const total = result.requests.length;
      process.stdout.write(`${total - failed.length}/${total} green in ${result.seconds} s\n`);
      process.exit(failed.length ? 1 : 0);
    },
  );
  const byItem = recorder(emitter);
}

main();
