#!/usr/bin/env node
// Summarises a V8 .cpuprofile (node --cpu-prof): top functions by self time, self time by origin
// (app code, each npm package, Node internals, GC), and top functions by inclusive time.
//   node bench/cpuprofile-top.mjs /tmp/prof/CPU.xxx.cpuprofile [top=25]
// summarize(file, { fromUs, toUs }) keeps only samples in that window of the monotonic clock (the
// clock of process.hrtime in any process on the machine, which V8's profile timestamps also use).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function shortUrl(url) {
  if (!url) return '';
  const u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('/node_modules/');
  if (nm >= 0) return u.slice(nm + '/node_modules/'.length);
  const dist = u.indexOf('/dist/');
  if (dist >= 0) return u.slice(dist + 1);
  return u;
}

function originOf(frame) {
  const { functionName, url } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) {
    const m = /^node:internal\/([^/]+)/.exec(url);
    return `node:${m ? `internal/${m[1]}` : url.slice(5)}`;
  }
  const u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = u.slice(nm + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (/\/dist\/(apps|libs)\//.test(u)) return 'app code (dist/apps, dist/libs)';
  return 'other';
}

const keyOf = (f) => `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`;

export function summarize(file, { fromUs = -Infinity, toUs = Infinity } = {}) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  const incl = new Map();
  const origins = new Map();
  let total = 0;
  let at = p.startTime;
  for (let i = 0; i < p.samples.length; i += 1) {
    at += p.timeDeltas[i] ?? 0;
    const dt = (p.timeDeltas[i] ?? 0) / 1000; // ms
    if (dt <= 0 || at < fromUs || at > toUs) continue;
    total += dt;
    const node = byId.get(p.samples[i]);
    const k = keyOf(node.callFrame);
    self.set(k, (self.get(k) ?? 0) + dt);
    const o = originOf(node.callFrame);
    origins.set(o, (origins.get(o) ?? 0) + dt);
    const seen = new Set();
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id).callFrame;
      if (!f.url && (f.functionName === '(root)' || f.functionName === '')) continue;
      const kk = keyOf(f);
      if (seen.has(kk)) continue;
      seen.add(kk);
      incl.set(kk, (incl.get(kk) ?? 0) + dt);
    }
  }
  const sorted = (m) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).map(([name, ms]) => ({ name, ms, pct: (100 * ms) / total }));
  const idle = self.get('(idle)') ?? 0;
  return {
    file,
    total_ms: total,
    busy_ms: total - idle,
    self: sorted(self),
    origins: sorted(origins),
    inclusive: sorted(incl),
  };
}

export function printSummary(s, top = 25) {
  const out = (line) => process.stdout.write(`${line}\n`);
  const row = (r) => `${r.ms.toFixed(0).padStart(8)} ms ${r.pct.toFixed(1).padStart(5)} %  ${r.name}`;
  out(`profile ${s.file}: ${(s.total_ms / 1000).toFixed(1)} s sampled, ${(s.busy_ms / 1000).toFixed(1)} s not idle`);
  out(`\nTop ${top} functions by self time:`);
  s.self.slice(0, top).forEach((r) => out(row(r)));
  out('\nSelf time by origin:');
  s.origins.forEach((r) => out(row(r)));
  out(`\nTop ${top} functions by inclusive time (a function counted once per sample):`);
  s.inclusive.slice(0, top).forEach((r) => out(row(r)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node bench/cpuprofile-top.mjs FILE.cpuprofile [top]\n');
    process.exit(2);
  }
  printSummary(summarize(file), Number(process.argv[3] ?? 25));
}
