export * from './entities/index.js';
export * from './repositories/refresh-token.repository.js';
export { MAX_ROTATION_BATCH, rotationStatements } from './repositories/postgres-rotation-batch.js';
export * from './data-source-options.js';
export * from './persistence.module.js';
export * from './errors.js';
export * from './keyset.js';
export * from './database-handle.js';
export * from './repositories/rotation-rule.js';
