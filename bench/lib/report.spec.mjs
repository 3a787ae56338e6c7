// The benchmark report's arithmetic: medians over rounds, ratio targets paired round by round, and
// the variant labels of an A/B run. (The bench scripts themselves are not run by the test suite.)
import { baseVariant, runtimeSuffixOf, variantNodeFlags, variantServerEnv } from './config.mjs';
import { evaluateTargets, median, renderMarkdown, runAt, tailVerdict } from './report.mjs';

const run = (round, rps, extra = {}) => ({
  connections: 50,
  round,
  rps_2xx: rps,
  p50_ms: 10,
  p99_ms: 20 + round,
  non2xx: 0,
  rss_peak_mb: 100 + round,
  valid: true,
  problems: [],
  ...extra,
});

function results({ ours, oidc, ceiling = [3000, 3000, 3000] }) {
  return {
    generated_at: '2026-11-26T00:00:00.000Z',
    command: 'npm run bench',
    machine: { cpus: 2, cpu_model: 'test', mem_gib: 1, kernel: 'test' },
    versions: { node: process.version },
    git: { commit: 'abc1234', dirty_files: 0 },
    build: {},
    conditions: {
      connections: [50],
      duration_s: 10,
      warmup_s: 3,
      rounds: 3,
      pinning: null,
      list: { rows: 0, depths: [], limit: 50, duration_s: 5 },
      revoke: { families: 0, repeats: 0 },
      loadavg_before: [0, 0, 0],
      loadavg_at_start: [0, 0, 0],
      loadavg_at_end: [0, 0, 0],
      max_load: 0.5,
      under_load: false,
      env: {},
    },
    peers: [
      {
        peer: 'oidc-jwt',
        title: 'oidc-provider',
        restarted_each_round: true,
        tokens_per_round: 162700,
        scenarios: { refresh: { runs: oidc.map((r, i) => run(i + 1, r)) } },
      },
      {
        peer: 'ceiling-nest',
        title: 'bare NestJS',
        restarted_each_round: true,
        tokens_per_round: 162700,
        scenarios: { cc: { runs: ceiling.map((r, i) => run(i + 1, r)) } },
      },
    ],
    variants: [
      {
        variant: 'sqlite-normal',
        phases: [{ phase: 'token endpoint', vm_hwm_mb: 180 }],
        checks: { minted: { refresh: 487700 } },
        scenarios: { refresh: { runs: ours.map((r, i) => run(i + 1, r)) } },
      },
    ],
    elapsed_s: 1,
  };
}

describe('bench report', () => {
  it('median: middle value, mean of the two middle ones, numbers only', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([null, 5, Number.NaN, 'x', 1])).toBe(3);
    expect(median([])).toBeNull();
  });

  it('runAt folds the rounds: medians, non-2xx summed, highest RSS, invalid if any round was', () => {
    const entry = {
      scenarios: {
        refresh: {
          runs: [run(1, 100, { non2xx: 2 }), run(2, 300), run(3, 200, { valid: false, problems: ['errors 3'] })],
        },
      },
    };
    const r = runAt(entry, 'refresh', 50);
    expect(r.rps_2xx).toBe(200);
    expect(r.p99_ms).toBe(22);
    expect(r.non2xx).toBe(2);
    expect(r.rss_peak_mb).toBe(103);
    expect(r.valid).toBe(false);
    expect(r.problems).toEqual(['round 3: errors 3']);
    expect(runAt(entry, 'refresh', 10)).toBeNull();
  });

  it('a ratio target takes the median of the same-round ratios, not the ratio of the medians', () => {
    // Ratios per round 1.0, 0.5, 2.0: median 1.0 (missed); the medians' ratio would be 200/150 = 1.33.
    const t = evaluateTargets(results({ ours: [100, 200, 300], oidc: [100, 400, 150] }));
    const sqlite = t.find((x) => x.id === 'refresh-sqlite-normal');
    expect(sqlite.met).toBe(false);
    expect(sqlite.value).toBe(1);
    expect(sqlite.ratios).toEqual([1, 0.5, 2]);
    expect(sqlite.text).toContain('per round 1.00, 0.50, 2.00');
  });

  it('meets a ratio target at or above the line, and the RSS target below 250 MB', () => {
    const t = evaluateTargets(results({ ours: [2200, 2200, 2200], oidc: [2000, 2000, 2000] }));
    expect(t.find((x) => x.id === 'refresh-sqlite-normal')).toMatchObject({ met: true });
    expect(t.find((x) => x.id === 'rss-sqlite-normal')).toMatchObject({ met: true, value: 180 });
  });

  it('the p99 target shows the mean latency that 50 requests in flight impose at each rate (50 ÷ rate)', () => {
    const r = results({ ours: [1, 1, 1], oidc: [2000, 2000, 2000] });
    r.peers.find((p) => p.peer === 'ceiling-nest').scenarios.refresh = {
      runs: [2500, 2500, 2500].map((x, i) => run(i + 1, x)),
    };
    r.variants.push({
      variant: 'postgres',
      phases: [],
      checks: {},
      scenarios: { refresh: { runs: [2000, 1000, 4000].map((x, i) => run(i + 1, x)) } },
    });
    const p99 = evaluateTargets(r).find((x) => x.id === 'refresh-postgres-p99');
    expect(p99.met).toBe(true);
    expect(p99.measured).toContain('p99 22.0 ms (median of 21.0 / 22.0 / 23.0)');
    expect(p99.measured).toContain('(50 ÷ rate): ours 25.0 ms at 2,000 req/s, ceiling 20.0 ms at 2,500 req/s');
  });

  it('says how the peers and our variants got their tokens across rounds', () => {
    const { markdown: md } = renderMarkdown(results({ ours: [1, 1, 1], oidc: [1, 1, 1] }));
    expect(md).toContain("each peer is restarted at the start of every round with that round's 162,700");
    expect(md).toContain('keeps one database for all rounds (487,700 refresh tokens minted before the first');
  });

  it('variant labels: the database kind before the colon, node flags from BENCH_NODE_FLAGS_<label>', () => {
    process.env.BENCH_NODE_FLAGS_v8default = '--heap-growing-percent=0  --trace-gc';
    try {
      expect(baseVariant('postgres:v8default')).toBe('postgres');
      expect(baseVariant('sqlite-full')).toBe('sqlite-full');
      expect(variantNodeFlags('postgres:v8default')).toEqual(['--heap-growing-percent=0', '--trace-gc']);
      expect(variantNodeFlags('postgres')).toEqual([]);
    } finally {
      delete process.env.BENCH_NODE_FLAGS_v8default;
    }
  });

  it('variant labels: server settings from BENCH_SERVER_ENV_<label>, NAME=value pairs', () => {
    process.env.BENCH_SERVER_ENV_small = 'CLIENT_CACHE_TTL=5  LOG_LEVEL=error';
    process.env.BENCH_SERVER_ENV_bad = 'LOG_LEVEL';
    try {
      expect(variantServerEnv('sqlite-normal:small')).toEqual({ CLIENT_CACHE_TTL: '5', LOG_LEVEL: 'error' });
      expect(variantServerEnv('sqlite-normal')).toEqual({});
      expect(variantServerEnv('postgres:unset')).toEqual({});
      expect(() => variantServerEnv('postgres:bad')).toThrow(
        'BENCH_SERVER_ENV_bad: expected NAME=value, got LOG_LEVEL',
      );
    } finally {
      delete process.env.BENCH_SERVER_ENV_small;
      delete process.env.BENCH_SERVER_ENV_bad;
    }
  });

  it('a tail target takes the median of the same-round p99 ratios, lower being better', () => {
    const rounds = (p99s) => ({
      valid: true,
      rounds: p99s.map((p, i) => ({ round: i + 1, p99_ms: p })),
    });
    // Per round 1.0, 2.0, 1.2: median 1.2 <= 1.3 (met), though the worst round is 2x.
    const met = tailVerdict(rounds([50, 120, 72]), rounds([50, 60, 60]), 1.3);
    expect(met).toMatchObject({ met: true, value: 1.2, ratios: [1, 2, 1.2] });
    const missed = tailVerdict(rounds([70, 140, 90]), rounds([50, 60, 60]), 1.3);
    expect(missed.met).toBe(false);
    expect(missed.value).toBe(1.5);
    expect(missed.text).toContain('1.50× > 1.3×');
    expect(tailVerdict(null, rounds([1]), 1.3).met).toBeNull();
  });

  it('evaluates the tail and chain targets for every variant, and every target again per runtime', () => {
    const r = results({ ours: [2200, 2200, 2200], oidc: [2000, 2000, 2000] });
    r.versions.runtimes = [
      { version: 'v24.21.0', suffix: '', primary: true },
      { version: 'v20.20.2', suffix: '@node20', primary: false },
    ];
    const ceiling = r.peers.find((p) => p.peer === 'ceiling-nest');
    ceiling.scenarios.chain = { runs: [3000, 3000, 3000].map((x, i) => run(i + 1, x, { p99_ms: 40 })) };
    r.peers.find((p) => p.peer === 'oidc-jwt').scenarios.chain = {
      runs: [2000, 2000, 2000].map((x, i) => run(i + 1, x)),
    };
    const chainRuns = (p99) => ({ runs: [2300, 2300, 2300].map((x, i) => run(i + 1, x, { p99_ms: p99 })) });
    r.variants[0].scenarios.chain = chainRuns(48);
    r.variants.push({
      variant: 'sqlite-normal@node20',
      runtime: 'v20.20.2',
      phases: [],
      checks: {},
      scenarios: { refresh: { runs: [1000, 1000, 1000].map((x, i) => run(i + 1, x)) }, chain: chainRuns(80) },
    });
    const t = evaluateTargets(r);
    expect(t.find((x) => x.id === 'chain-sqlite-normal')).toMatchObject({ met: true, value: 1.15 });
    expect(t.find((x) => x.id === 'tail-chain-sqlite-normal')).toMatchObject({ met: true, value: 1.2 });
    expect(t.find((x) => x.id === 'tail-chain-sqlite-normal@node20')).toMatchObject({ met: false, value: 2 });
    expect(t.find((x) => x.id === 'refresh-sqlite-normal@node20')).toMatchObject({ met: false, value: 0.5 });
    const { markdown } = renderMarkdown(r);
    expect(markdown).toContain('refresh (chains)');
    expect(markdown).toContain('v20.20.2');
  });

  it('runtime suffixes: the database kind and label before the @', () => {
    expect(baseVariant('sqlite-full@node20')).toBe('sqlite-full');
    expect(baseVariant('postgres:small@node20')).toBe('postgres');
    expect(runtimeSuffixOf('postgres:small@node20')).toBe('@node20');
    expect(runtimeSuffixOf('postgres')).toBe('');
  });
});
