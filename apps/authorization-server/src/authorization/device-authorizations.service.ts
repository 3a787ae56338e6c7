import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock, authorizationConfig, serverConfig, type AuthorizationConfig, type ServerConfig } from '#config';
import { SecretPrefix, formatScope, hasSecretShape, hashSecret, isStorableText, mintSecret } from '#oauth';
import {
  type ClientEntity,
  DeviceAuthorizationEntity,
  DeviceAuthorizationRepository,
  type PollPace,
  isUniqueViolation,
} from '#persistence';
import { formatUserCode, generateUserCode, normalizeUserCode } from './user-code.js';

/** RFC 8628 3.2: the device authorization response. */
export interface DeviceAuthorizationResponse {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** RFC 8628 3.2: seconds a device waits between polls unless told to slow down. */
export const POLL_INTERVAL = 5;

/**
 * Device requests (RFC 8628): a device code of 256 random bits for the device, a short user code for
 * the user; both stored only as SHA-256 (the user code in its normalized form), both live
 * DEVICE_CODE_LIFETIME seconds.
 */
@Injectable()
export class DeviceAuthorizationsService {
  constructor(
    private readonly requests: DeviceAuthorizationRepository,
    @Inject(authorizationConfig.KEY) private readonly config: AuthorizationConfig,
    @Inject(serverConfig.KEY) private readonly server: ServerConfig,
    private readonly clock: Clock,
  ) {}

  async start(client: ClientEntity, scope: readonly string[]): Promise<DeviceAuthorizationResponse> {
    const deviceCode = mintSecret(SecretPrefix.DeviceCode);
    const now = this.clock.now();
    // A user code already taken (by a live request or one housekeeping has not deleted yet): draw again.
    for (let attempt = 1; ; attempt++) {
      const userCode = generateUserCode();
      try {
        await this.requests.insert({
          id: randomUUID(),
          client_id: client.client_id,
          device_code_hash: deviceCode.hash,
          user_code_hash: hashSecret(userCode),
          scope: formatScope(scope),
          subject: null,
          status: 'pending',
          interval: POLL_INTERVAL,
          last_polled_at: null,
          user_epoch: null,
          expires_at: now + this.config.deviceCodeLifetime * 1000,
          created_at: now,
        });
        return this.response(deviceCode.value, formatUserCode(userCode));
      } catch (e) {
        if (!isUniqueViolation(e) || attempt === 3) throw e;
      }
    }
  }

  /** The pending, live request a typed user code names, or null (also for what cannot be a user code). */
  async findPending(typed: string): Promise<DeviceAuthorizationEntity | null> {
    const code = normalizeUserCode(typed);
    return code === null ? null : this.requests.findPendingByUserCodeHash(hashSecret(code), this.clock.now());
  }

  /** The pending, live request of an id the verification pages carried from one form to the next, or null. */
  async findPendingById(id: string): Promise<DeviceAuthorizationEntity | null> {
    return UUID.test(id) ? this.requests.findPendingById(id, this.clock.now()) : null;
  }

  /** `user` as its session gave it: the approval records the token epoch of that sign-in. */
  approve(id: string, user: { id: string; token_epoch: number }): Promise<boolean> {
    return this.requests.decide(id, this.clock.now(), {
      status: 'approved',
      subject: user.id,
      user_epoch: user.token_epoch,
    });
  }

  deny(id: string, user: { id: string; token_epoch: number }): Promise<boolean> {
    return this.requests.decide(id, this.clock.now(), {
      status: 'denied',
      subject: user.id,
      user_epoch: user.token_epoch,
    });
  }

  async findByDeviceCode(value: string): Promise<DeviceAuthorizationEntity | null> {
    if (!hasSecretShape(value, SecretPrefix.DeviceCode)) return null;
    return this.requests.findByDeviceCodeHash(hashSecret(value));
  }

  /** RFC 8628 3.5: a poll of the device; too fast makes its interval 5 seconds longer. */
  recordPoll(id: string): Promise<PollPace> {
    return this.requests.recordPoll(id, this.clock.now());
  }

  /**
   * The one redemption of an approved request, checking in the same statement that the approving user is
   * still enabled and at the approval's token epoch; false when another poll redeemed it first, the
   * approval was revoked, or the user changed.
   */
  consume(id: string): Promise<boolean> {
    return this.requests.consume(id);
  }

  /** Ends an approval that no longer holds (the user changed); false when the request was not approved. */
  revoke(id: string): Promise<boolean> {
    return this.requests.revoke(id);
  }

  /** A consent withdrawn: the user's approvals for the client that no device has redeemed yet end with it. */
  async revokeApproved(userId: string, clientId: string): Promise<number> {
    return isStorableText(clientId, 200) ? this.requests.revokeApproved(userId, clientId) : 0;
  }

  private response(deviceCode: string, userCode: string): DeviceAuthorizationResponse {
    const verificationUri = `${this.server.issuer}/device`;
    return {
      device_code: deviceCode,
      user_code: userCode,
      verification_uri: verificationUri,
      verification_uri_complete: `${verificationUri}?user_code=${userCode}`,
      expires_in: this.config.deviceCodeLifetime,
      interval: POLL_INTERVAL,
    };
  }
}
