export * from './entities/index.js';
export * from './repositories/refresh-token.repository.js';
export * from './data-source-options.js';
export * from './persistence.module.js';
export * from './errors.js';
export * from './keyset.js';
