import { Inject, Injectable } from '@nestjs/common';
import { Clock, dpopConfig, type DpopConfig, serverConfig, type ServerConfig } from '#config';
import {
  type DpopHeaderSource,
  type DpopProof,
  type DpopProofOptions,
  dpopHeader,
  HmacDpopNonces,
  OAuthError,
  ReplayCache,
  TemporarilyUnavailableError,
  verifyDpopProof,
} from '#oauth';

/** RFC 9449 4.3: the clock difference tolerated each way. */
const SKEW_SECONDS = 5;

/**
 * DPoP proofs as this server checks them: at the token endpoint (htu is the token endpoint's URL built
 * from the configured issuer, nonces when DPOP_NONCE_REQUIRED) and at its own protected routes.
 */
@Injectable()
export class DpopProofs {
  /** The options of the admin API's and introspection's proofs (no nonces: they are only asked at the token endpoint). */
  readonly resourceOptions: DpopProofOptions;
  private readonly tokenEndpointOptions: DpopProofOptions;

  constructor(
    replay: ReplayCache,
    clock: Clock,
    @Inject(dpopConfig.KEY) config: DpopConfig,
    @Inject(serverConfig.KEY) private readonly server: ServerConfig,
  ) {
    const now = () => clock.now();
    this.resourceOptions = { maxAgeSeconds: config.proofMaxAgeSeconds, skewSeconds: SKEW_SECONDS, replay, now };
    const nonces = config.nonceRequired
      ? config.nonceSecret
        ? new HmacDpopNonces(config.nonceSecret, now)
        : HmacDpopNonces.withRandomSecret(now)
      : undefined;
    this.tokenEndpointOptions = { ...this.resourceOptions, nonces };
  }

  /** The proof of a token request, or null when it carries none; InvalidDpopProofError or UseDpopNonceError for a bad one. */
  async atTokenEndpoint(req: DpopHeaderSource): Promise<DpopProof | null> {
    const header = dpopHeader(req);
    if (header === undefined) return null;
    try {
      return await verifyDpopProof(
        header,
        { method: 'POST', url: this.url('/oauth/token') },
        this.tokenEndpointOptions,
      );
    } catch (e) {
      // The replay cache (Redis) did not answer: the proof cannot be judged, and accepting it could let a replay through.
      if (e instanceof OAuthError) throw e;
      throw new TemporarilyUnavailableError('the DPoP proof could not be checked, retry later');
    }
  }

  /** The URL a proof's htu names for a path of this server: the configured issuer's, whatever proxies did. */
  url(path: string): string {
    return `${this.server.issuer.replace(/\/$/, '')}${path}`;
  }
}
