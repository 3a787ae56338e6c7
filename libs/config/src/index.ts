export * from './clock.js';
export * from './database-url.js';
export * from './environment.js';
export * from './config.namespaces.js';
export * from './app-config.module.js';
