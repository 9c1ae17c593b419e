// Checks that a Chrome trace-event JSON file (as `npusim trace perfetto` writes it) imports
// cleanly into Perfetto's trace processor: the WebAssembly engine the Perfetto UI opens traces
// with, fetched by tools/perfetto_assets. Clean means: it parses, the importer counts no error
// or data loss, every "X" event became a slice, and each (pid, tid) of the X events became one
// thread track.
//
// Usage: node perfetto_import.mjs ASSET_DIR TRACE.json
// Exit:  0 clean (one summary line), 1 not clean (one line saying why), 2 bad usage,
//        77 no trace processor in ASSET_DIR (the test is skipped).
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import {pathToFileURL} from 'node:url';

const STARTUP_TIMEOUT_MS = 60000;
const engineChatter = [];  // what the trace processor printed; shown only on failure
// Printed on every load, clean or not.
const HARMLESS = /^\s*$|unsupported syscall|^\s*Loading trace|^Unexpected QueryResult field/;

function finish(code, line) {
  process.stdout.write(`perfetto_import: ${line}\n`);
  if (code === 1 && engineChatter.length) {
    process.stderr.write(`trace processor output (last lines):\n  ${engineChatter.slice(-10).join('\n  ')}\n`);
  }
  process.exit(code);
}

const oneLine = (what) => String(what?.message ?? what).replace(/\s+/g, ' ').trim();

// What the file itself says: the number of X events and of distinct (pid, tid) among them.
function countCompleteEvents(tracePath) {
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(tracePath, 'utf8'));
  } catch (e) {
    finish(1, `${tracePath}: not readable as JSON: ${oneLine(e)}`);
  }
  const events = Array.isArray(doc) ? doc : doc?.traceEvents;
  if (!Array.isArray(events)) finish(1, `${tracePath}: no traceEvents array`);
  const threads = new Set();
  let slices = 0;
  for (const e of events) {
    if (e?.ph !== 'X') continue;
    slices++;
    threads.add(`${e.pid}/${e.tid}`);
  }
  return {slices, threads: threads.size};
}

// The glue (engine_bundle.node.js) is written to run in a Web Worker and fetch its .wasm over
// HTTP. These edits let it run in Node: take the 32-bit build (the only one the package ships),
// take the wasm bytes from us, and tell us when its RPC entry point is ready.
function patchGlue(glue) {
  const edits = [
    ['this.useMemory64 = hasMemory64Support();', 'this.useMemory64 = false;'],
    ['locateFile: (s) => s,', 'locateFile: (s) => s, wasmBinary: globalThis.npusimWasmBinary,'],
    ['deferredRuntimeInitialized.then(() => {', 'globalThis.npusimRpcReady = deferredRuntimeInitialized.then(() => {'],
  ];
  for (const [from, to] of edits) {
    if (glue.split(from).length !== 2) throw new Error(`engine_bundle.node.js: expected one "${from}"`);
    glue = glue.replace(from, to);
  }
  return glue;
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(what)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function startTraceProcessor(assetDir) {
  const {EngineBase} = await import(pathToFileURL(path.join(assetDir, 'engine.mjs')).href);

  globalThis.self = globalThis;
  globalThis.WorkerGlobalScope = class WorkerGlobalScope {};
  globalThis.location = {href: pathToFileURL(assetDir).href + '/'};
  globalThis.npusimWasmBinary = fs.readFileSync(path.join(assetDir, 'trace_processor.wasm'));
  const glue = fs.readFileSync(path.join(assetDir, 'engine_bundle.node.js'), 'utf8');
  vm.runInThisContext(patchGlue(glue), {filename: 'engine_bundle.node.js'});
  await withTimeout(globalThis.npusimRpcReady, STARTUP_TIMEOUT_MS, 'the trace processor did not start');

  // The UI's handshake: the worker receives one message carrying the port of the RPC pipe.
  const {port1, port2} = new MessageChannel();
  globalThis.onmessage({data: port1});

  class PortEngine extends EngineBase {
    mode = 'WASM';
    id = 'npusim';
    constructor(port) {
      super();
      this.port = port;
      port.onmessage = (message) => this.onRpcResponseBytes(message.data);
    }
    rpcSendRequestBytes(bytes) { this.port.postMessage(bytes); }
  }
  return new PortEngine(port2);
}

async function queryRows(engine, sql) {
  const result = await engine.query(sql);
  const columns = result.columns();
  const rows = [];
  for (const it = result.iter({}); it.valid(); it.next()) {
    rows.push(Object.fromEntries(columns.map((c) => [c, it.get(c)])));
  }
  return rows;
}

async function queryCount(engine, sql) {
  return Number((await queryRows(engine, sql))[0].n);
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length !== 2) finish(2, 'usage: node perfetto_import.mjs ASSET_DIR TRACE.json');
  const [assetDir, tracePath] = args;
  if (!fs.existsSync(path.join(assetDir, 'trace_processor.wasm'))) {
    finish(77, `SKIP: no Perfetto trace processor in ${assetDir} (run tools/perfetto_assets)`);
  }
  const expected = countCompleteEvents(tracePath);

  for (const stream of ['log', 'info', 'warn', 'error']) {
    console[stream] = (...parts) => {
      const line = parts.map(String).join(' ');
      if (!HARMLESS.test(line)) engineChatter.push(line);
    };
  }
  const engine = await startTraceProcessor(assetDir);

  const parseStart = performance.now();
  try {
    await engine.parse(new Uint8Array(fs.readFileSync(tracePath)));
    await engine.notifyEof();
  } catch (e) {
    finish(1, `${tracePath}: Perfetto could not import it: ${oneLine(e)}`);
  }
  const parseMs = Math.round(performance.now() - parseStart);

  const problems = await queryRows(engine,
    "select name, idx, value from stats where severity in ('error', 'data_loss') and value > 0 order by name, idx");
  if (problems.length) {
    const list = problems.map((p) => `${p.name}${p.idx === null ? '' : `[${p.idx}]`}=${p.value}`);
    finish(1, `${tracePath}: Perfetto's importer reported ${list.join(', ')}`);
  }
  const slices = await queryCount(engine, 'select count(*) as n from slice');
  if (slices !== expected.slices) {
    finish(1, `${tracePath}: ${expected.slices} X events but Perfetto made ${slices} slices`);
  }
  const tracks = await queryCount(engine,
    'select count(distinct s.track_id) as n from slice s join thread_track t on s.track_id = t.id');
  if (tracks !== expected.threads) {
    finish(1, `${tracePath}: X events on ${expected.threads} (pid, tid) pairs but Perfetto put slices on ${tracks} thread tracks`);
  }
  finish(0, `${tracePath}: ${slices} slices on ${tracks} thread tracks, no import errors (Perfetto v55.3 trace processor, parse ${parseMs} ms)`);
}

for (const event of ['unhandledRejection', 'uncaughtException']) {
  process.on(event, (e) => finish(1, `trace processor failed: ${oneLine(e)}`));
}
main().catch((e) => finish(1, `trace processor failed: ${oneLine(e)}`));
