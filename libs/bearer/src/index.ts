export * from './access-token-claims.js';
export * from './access-token-verifier.js';
export * from './bearer-error.js';
export * from './bearer-token.js';
export * from './dpop-binding.js';
export * from './local-keys.js';
export * from './remote-keys.js';
export * from './token-rejection.js';
