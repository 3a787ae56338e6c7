export * from './oauth-errors.js';
export * from './scope.js';
export * from './grant-types.js';
export * from './oauth-exception.filter.js';
export * from './opaque-secrets.js';
export * from './text.js';
export * from './time-ordered-id.js';
export * from './dpop/index.js';
