import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { DpopProof } from '#oauth';
import { DpopProofs } from '../dpop/dpop-proofs.service.js';

type WithProof = Request & { dpopProof?: DpopProof | null };

/**
 * RFC 9449 5: the token request's DPoP proof, verified before any grant runs, so that a bad one
 * (400 invalid_dpop_proof, or use_dpop_nonce) changes nothing stored. Runs after client
 * authentication: an unauthenticated request spends no proof.
 */
@Injectable()
export class DpopProofGuard implements CanActivate {
  constructor(private readonly proofs: DpopProofs) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<WithProof>();
    req.dpopProof = await this.proofs.atTokenEndpoint(req);
    return true;
  }
}

/** The verified proof of a token request, or undefined without one. */
export function dpopProofOf(req: Request): DpopProof | undefined {
  return (req as WithProof).dpopProof ?? undefined;
}
