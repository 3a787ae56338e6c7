import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { ClientAuthMethod, InvalidClientError } from '#oauth';
import { ClientsService, PresentedClientCredentials } from '../clients.service.js';
import { ClientCredentialsStrategy } from './client-credentials.strategy.js';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * RFC 6749 2.3.1: client_id and client_secret are form-url-encoded before being joined by a
 * colon and base64-encoded, so they are decoded after splitting at the first colon.
 */
export function parseBasicCredentials(header: string): { clientId: string; clientSecret: string } {
  const malformed = () => new InvalidClientError('malformed HTTP Basic credentials', true);
  const match = /^Basic +(\S+) *$/i.exec(header);
  if (!match || match[1].length % 4 !== 0 || !BASE64.test(match[1])) throw malformed();
  const decoded = Buffer.from(match[1], 'base64');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(decoded);
  } catch {
    throw malformed();
  }
  const colon = text.indexOf(':');
  if (colon <= 0) throw malformed();
  try {
    const clientId = formDecode(text.slice(0, colon));
    const clientSecret = formDecode(text.slice(colon + 1));
    if (clientSecret === '') throw malformed();
    return { clientId, clientSecret };
  } catch {
    throw malformed();
  }
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

@Injectable()
export class ClientSecretBasicStrategy extends PassportStrategy(
  ClientCredentialsStrategy,
  ClientAuthMethod.ClientSecretBasic,
) {
  constructor(private readonly clients: ClientsService) {
    super();
  }

  protected override extract(req: Request): PresentedClientCredentials {
    const { clientId, clientSecret } = parseBasicCredentials(req.headers.authorization ?? '');
    return { method: ClientAuthMethod.ClientSecretBasic, clientId, clientSecret };
  }

  validate(presented: PresentedClientCredentials) {
    return this.clients.authenticate(presented);
  }
}
