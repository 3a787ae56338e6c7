import { defineMigration } from './migration.js';

/**
 * PostgreSQL only. A bulk revocation (`revokeMatching`) rewrites every token of a subject or client in
 * one statement, and a subject's tokens are often neighbours in the heap (a burst of sign-ins, a service
 * account): with 20 % of each page free only a fifth of the revoked versions fit in their page, and the
 * others are written elsewhere with a new entry in each of the table's six indexes. Revoking 10,000
 * families (20,000 tokens) took 0.8 to 1.3 s that way, and 0.13 s when every page keeps half of itself
 * free, so that a page whose tokens are all revoked at once still takes every new version (a heap-only
 * update). The heap grows by about 60 %; the indexes do not. As with 1764400000000, pages written before
 * this migration keep their layout until the table is rewritten.
 */
export const BulkRevocationRoom1764500000000 = defineMigration('BulkRevocationRoom', 1764500000000, {
  postgres: {
    up: ['ALTER TABLE refresh_token SET (fillfactor = 50)'],
    down: ['ALTER TABLE refresh_token SET (fillfactor = 80)'],
  },
});
