import { defineMigration } from './migration.js';

/**
 * PostgreSQL only. A bulk revocation (`revokeMatching`) rewrites every token of a subject or client in
 * one statement, and a subject's tokens are often neighbours in the heap (a burst of sign-ins, a service
 * account): with a fifth of each page free most revoked versions do not fit in their page and are
 * written elsewhere, with a new entry in each of the table's indexes. When every page keeps half of
 * itself free, a page whose tokens are all revoked at once still takes every new version (a heap-only
 * update); the heap grows, the indexes do not. Decision 8 has the figures. As with 1764400000000, pages
 * written before this migration keep their layout until the table is rewritten.
 */
export const BulkRevocationRoom1764500000000 = defineMigration('BulkRevocationRoom', 1764500000000, {
  postgres: {
    up: ['ALTER TABLE refresh_token SET (fillfactor = 50)'],
    down: ['ALTER TABLE refresh_token SET (fillfactor = 80)'],
  },
});
