export * from './enums.js';
export * from './query.js';
export * from './recordings.js';
export * from './schemas.js';
export * from './webhooks.js';
export * from './integrations.js';
export * from './redaction.js';
