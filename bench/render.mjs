#!/usr/bin/env node
// Re-renders docs/benchmarks.md from the figures of a run (docs/benchmarks.json by default), e.g.
// after editing bench/remaining-costs.md or bench/performance-history.md: `node bench/render.mjs [path/to/benchmarks.json]`.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { writeReport } from './lib/report.mjs';

const json = resolve(process.argv[2] ?? 'docs/benchmarks.json');
const results = JSON.parse(readFileSync(json, 'utf8'));
delete results.targets;
const files = await writeReport({ outDir: dirname(json) }, results);
process.stdout.write(`wrote ${files.join(', ')}\n`);
