export * from './dpop-proof.js';
export * from './dpop-nonces.js';
export * from './dpop-header.js';
