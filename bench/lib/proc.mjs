// /proc readings: CPU time and RSS of a process, PostgreSQL's CPU, the machine and its load.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';

export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process (all its threads), in clock ticks; null once it is gone. */
export function cpuTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return null;
  }
}

function statusField(pid, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Resident set size in MB. */
export const rssMB = (pid) => statusField(pid, 'VmRSS');
/** The kernel's high-water mark of the resident set over the process's life, in MB. */
export const hwmMB = (pid) => statusField(pid, 'VmHWM');

/**
 * CPU ticks of the processes of user `uid` whose command line contains `match` (for PostgreSQL:
 * the backends serving one database, whose title is "postgres: ... user dbname host(port) state"),
 * keyed by pid.
 */
export function userTicks(uid, match = '') {
  const out = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      const m = /^Uid:\s+(\d+)/m.exec(status);
      if (!m || Number(m[1]) !== uid) continue;
      if (match && !readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(match)) continue;
      const t = cpuTicks(name);
      if (t !== null) out.set(name, t);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export function uidOf(user) {
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${user}:`));
    return line ? Number(line.split(':')[2]) : null;
  } catch {
    return null;
  }
}

/**
 * Samples a process over a measured run: CPU from utime+stime, RSS every `everyMs`. Optionally the
 * CPU of other processes over the same interval: `other` = { uid, match } (see userTicks).
 */
export function startSampler(pid, { everyMs = 250, other = null } = {}) {
  const t0 = process.hrtime.bigint();
  const ticks0 = cpuTicks(pid);
  const other0 = other === null ? null : userTicks(other.uid, other.match);
  let peak = rssMB(pid) ?? 0;
  const start = peak;
  const timer = setInterval(() => {
    const v = rssMB(pid);
    if (v !== null && v > peak) peak = v;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      const ticks1 = cpuTicks(pid);
      const end = rssMB(pid);
      if (end !== null && end > peak) peak = end;
      let otherCpu = null;
      if (other0) {
        let sum = 0;
        for (const [p, t] of userTicks(other.uid, other.match)) sum += t - (other0.get(p) ?? 0);
        otherCpu = sum / CLK_TCK / wall;
      }
      return {
        wall_s: wall,
        cpu_s: ticks0 === null || ticks1 === null ? null : (ticks1 - ticks0) / CLK_TCK,
        cpu_pct: ticks0 === null || ticks1 === null ? null : (100 * (ticks1 - ticks0)) / CLK_TCK / wall,
        rss_start_mb: start,
        rss_peak_mb: peak,
        rss_end_mb: end,
        other_cpu_pct: otherCpu === null ? null : 100 * otherCpu,
      };
    },
  };
}

export const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim().split(/\s+/).slice(0, 3).map(Number);

export function machine() {
  const model = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpus()[0]?.model;
  // `nproc --all`: the suite itself runs pinned to one core, where plain nproc would say 1.
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', ['--all'], { encoding: 'utf8' }).trim());
  } catch {
    // cpus() then
  }
  let kernel = null;
  try {
    kernel = execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();
  } catch {
    // unknown
  }
  const memKb = Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
  return { nproc, cpu_model: model, mem_gib: Math.round(memKb / 1024 / 1024), kernel };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
