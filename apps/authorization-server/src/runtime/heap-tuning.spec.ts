import { spawnSync } from 'node:child_process';
import { HEAP_GROWING_PERCENT, tuneHeap } from './heap-tuning.js';

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
