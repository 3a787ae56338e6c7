import { Column, ColumnOptions } from 'typeorm';

/**
 * Instants are stored as integer milliseconds since the epoch on both databases: exact,
 * comparable in plain SQL, and identical across SQLite and PostgreSQL.
 */
const epochMillis = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null || value === undefined ? null : Number(value)),
};

export function InstantColumn(options: ColumnOptions = {}): PropertyDecorator {
  return Column({ type: 'bigint', transformer: epochMillis, ...options });
}

/** A JSON object stored as text; null stays null. */
export const jsonObject = {
  to: (value: object | null | undefined) => (value === null || value === undefined ? value : JSON.stringify(value)),
  from: (value: string | null) => (value ? (JSON.parse(value) as object) : null),
};

export const jsonList = {
  to: (value: string[] | undefined) => JSON.stringify(value ?? []),
  from: (value: string | null) => (value ? (JSON.parse(value) as string[]) : []),
};
