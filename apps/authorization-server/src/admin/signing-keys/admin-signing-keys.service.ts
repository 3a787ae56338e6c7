import { ConflictException, Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service.js';
import { SigningKeySync } from '../../keys/signing-key-sync.js';
import { SigningKeysService } from '../../keys/signing-keys.service.js';
import { SigningKeyDto, SigningKeyListDto } from './signing-key.dto.js';

/** Signing-key administration: the list, and rotation on demand (audited, announced to every instance). */
@Injectable()
export class AdminSigningKeysService {
  constructor(
    private readonly keys: SigningKeysService,
    private readonly sync: SigningKeySync,
    private readonly audit: AuditService,
  ) {}

  async list(): Promise<SigningKeyListDto> {
    return { items: (await this.keys.list()).map((k) => SigningKeyDto.fromEntity(k)) };
  }

  async rotate(actor: string): Promise<SigningKeyListDto> {
    const outcome = await this.keys.rotate((previous, active) =>
      this.audit.record({
        actor,
        action: 'signing_key.rotated',
        target_type: 'signing_key',
        target_id: active,
        reason: `previous ${previous}`,
      }),
    );
    if (!outcome.rotated && outcome.reason !== 'not_ready') {
      throw new ConflictException('another rotation happened at the same time; the keys have changed');
    }
    if (!outcome.rotated) {
      const at = new Date(outcome.activatableAt).toISOString();
      throw new ConflictException(
        `no next key has been published for SIGNING_KEY_PUBLISH_AHEAD (${this.keys.publishAheadSeconds} s) yet; ` +
          `rotate again at or after ${at}`,
      );
    }
    await this.sync.announce();
    return this.list();
  }
}
