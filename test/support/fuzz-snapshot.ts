import { DataSource } from 'typeorm';
import type { TestApp } from './test-app.js';

/**
 * The tables a rejected request must leave alone. audit_event is left out: a burst of failed
 * client authentications legitimately records one event (AuthFailureMonitor).
 */
export const GUARDED_TABLES = [
  'oauth_client',
  'app_user',
  'refresh_token_family',
  'refresh_token',
  'signing_key',
  'authorization_code',
  'consent',
  'login_session',
] as const;
export type GuardedTable = (typeof GUARDED_TABLES)[number];

/** The full content of every guarded table: each row as JSON, sorted, so order never matters. */
export type Snapshot = Record<GuardedTable, string[]>;

export async function snapshot(t: TestApp): Promise<Snapshot> {
  const ds = t.app.get(DataSource);
  const out = {} as Snapshot;
  for (const table of GUARDED_TABLES) {
    const rows: Record<string, unknown>[] = await ds.query(`SELECT * FROM ${table}`);
    out[table] = rows.map((row) => JSON.stringify(Object.entries(row).sort(([a], [b]) => (a < b ? -1 : 1)))).sort();
  }
  return out;
}

/** What changed between two snapshots, per table: rows that appeared and rows that went away. */
export function diff(
  before: Snapshot,
  after: Snapshot,
): Partial<Record<GuardedTable, { added: string[]; removed: string[] }>> {
  const changes: Partial<Record<GuardedTable, { added: string[]; removed: string[] }>> = {};
  for (const table of GUARDED_TABLES) {
    const was = new Set(before[table]);
    const now = new Set(after[table]);
    const added = after[table].filter((r) => !was.has(r));
    const removed = before[table].filter((r) => !now.has(r));
    if (added.length > 0 || removed.length > 0) changes[table] = { added, removed };
  }
  return changes;
}

/**
 * Watches the guarded tables across requests. `expectUnchanged()` fails with the exact rows that
 * changed; `expectOnly()` allows the named tables to change (for a request that legitimately
 * writes) and moves the baseline on.
 */
export class TableGuard {
  private baseline?: Snapshot;

  constructor(private readonly t: TestApp) {}

  async reset(): Promise<void> {
    this.baseline = await snapshot(this.t);
  }

  async expectUnchanged(context?: unknown): Promise<void> {
    await this.expectOnly([], context);
  }

  /** Fails unless every change is in `allowed`; answers the changes and re-baselines. */
  async expectOnly(
    allowed: readonly GuardedTable[],
    context?: unknown,
  ): Promise<Partial<Record<GuardedTable, { added: string[]; removed: string[] }>>> {
    if (!this.baseline) await this.reset();
    const now = await snapshot(this.t);
    const changes = diff(this.baseline!, now);
    const forbidden = Object.keys(changes).filter((table) => !allowed.includes(table as GuardedTable));
    if (forbidden.length > 0) {
      throw new Error(
        `stored data changed in ${forbidden.join(', ')}: ${JSON.stringify(changes, null, 1)}\ninput: ${safeJson(context)}`,
      );
    }
    this.baseline = now;
    return changes;
  }
}

function safeJson(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
  } catch {
    return String(value);
  }
}
