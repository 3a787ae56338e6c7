import { spawnSync } from 'node:child_process';
import {
  HEAP_GROWING_PERCENT,
  MAX_SEMI_SPACE_MB,
  SERVER_NODE_FLAGS,
  tuneHeap,
  warnOnUncappedYoungGeneration,
} from './heap-tuning.js';

describe('tuneHeap', () => {
  it('sets the heap growing percent when node was started without one', () => {
    const set: string[] = [];
    expect(tuneHeap(['--enable-source-maps'], (f) => set.push(f))).toBe(
      `--heap-growing-percent=${HEAP_GROWING_PERCENT}`,
    );
    expect(set).toEqual([`--heap-growing-percent=${HEAP_GROWING_PERCENT}`]);
  });

  it.each([['--heap-growing-percent=80'], ['--heap_growing_percent=80'], ['--heap-growing-percent']])(
    "leaves the operator's own %s alone",
    (flag) => {
      const set: string[] = [];
      expect(tuneHeap(['--enable-source-maps', flag], (f) => set.push(f))).toBeNull();
      expect(set).toEqual([]);
    },
  );

  it('is a flag this V8 knows (an unknown one would print "unrecognized flag")', () => {
    const script = `require('node:v8').setFlagsFromString('--heap-growing-percent=${HEAP_GROWING_PERCENT}'); require('node:v8').setFlagsFromString('--heap-growing-percnt=1');`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    // The misspelt control flag proves the check can see a rejection; ours must not be rejected.
    expect(r.stderr).toContain('unrecognized flag --heap-growing-percnt=1');
    expect(r.stderr).not.toContain('unrecognized flag --heap-growing-percent');
  });
});

describe('warnOnUncappedYoungGeneration', () => {
  it('warns, naming the command to use, when node was started without a young-generation cap', () => {
    const lines: string[] = [];
    expect(warnOnUncappedYoungGeneration(['--enable-source-maps'], '--trace-warnings', (l) => lines.push(l))).toBe(
      true,
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`node ${SERVER_NODE_FLAGS.join(' ')} dist/apps/authorization-server/src/main.js`);
  });

  it.each([
    [['--max-semi-space-size=16'], ''],
    [['--max_semi_space_size=32'], ''],
    [[], '--enable-source-maps --max-semi-space-size=8'],
  ])('is quiet when the cap is given (argv %j, NODE_OPTIONS %j)', (argv, nodeOptions) => {
    const lines: string[] = [];
    expect(warnOnUncappedYoungGeneration(argv, nodeOptions, (l) => lines.push(l))).toBe(false);
    expect(lines).toEqual([]);
  });

  it('caps the young generation in a real process: two 16 MB semi-spaces under sustained allocation', () => {
    // Enough short-lived allocation that an uncapped V8 grows its semi-spaces past 16 MB.
    const script =
      "let r=new Array(20000);for(let k=0;k<3e6;k++)r[k%20000]={k,s:'v'+k};" +
      "const n=require('node:v8').getHeapSpaceStatistics().find(s=>s.space_name==='new_space');" +
      'console.log(n.space_size/1048576)';
    const capped = spawnSync(process.execPath, [...SERVER_NODE_FLAGS, '-e', script], { encoding: 'utf8' });
    expect(capped.status).toBe(0);
    expect(Number(capped.stdout.trim())).toBeLessThanOrEqual(2 * MAX_SEMI_SPACE_MB);
    // The control: the same allocation without the flag grows past the cap (on a machine with GBs of
    // memory, as these are), so the check above can fail.
    const uncapped = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(Number(uncapped.stdout.trim())).toBeGreaterThan(2 * MAX_SEMI_SPACE_MB);
  });
});
