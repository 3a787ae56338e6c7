import { defineMigration } from './migration.js';

/**
 * RFC 8628: the device authorization grant. A device's request, found by the SHA-256 of its device code
 * or of its normalized user code (both unique); expired rows go by housekeeping, through the expiry index.
 */
const UP = [
  `CREATE TABLE device_authorization (
    id varchar(36) PRIMARY KEY,
    client_id varchar(200) NOT NULL,
    device_code_hash varchar(64) NOT NULL,
    user_code_hash varchar(64) NOT NULL,
    scope text NOT NULL,
    subject varchar(36),
    status varchar(16) NOT NULL,
    "interval" integer NOT NULL,
    last_polled_at bigint,
    user_epoch integer,
    expires_at bigint NOT NULL,
    created_at bigint NOT NULL
  )`,
  'CREATE UNIQUE INDEX uq_device_authorization_device_code_hash ON device_authorization (device_code_hash)',
  'CREATE UNIQUE INDEX uq_device_authorization_user_code_hash ON device_authorization (user_code_hash)',
  'CREATE INDEX idx_device_authorization_expiry ON device_authorization (expires_at)',
];

const DOWN = ['DROP TABLE device_authorization'];

/** The same statements on both dialects: one class in both migration lists. */
export const DeviceAuthorization1765300000000 = defineMigration('DeviceAuthorization', 1765300000000, {
  both: { up: UP, down: DOWN },
});
