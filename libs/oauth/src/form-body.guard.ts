import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { InvalidRequestError } from './oauth-errors.js';

export const FORM_BODY_LIMIT = 16 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * RFC 6749 3.2: the token endpoint takes application/x-www-form-urlencoded UTF-8 only, and a
 * parameter may not be repeated. Parsed here, not by a body parser, so that every fault is
 * an RFC 6749 5.2 error: repeated names, bad percent-encoding, non-UTF-8 and oversize bodies.
 */
@Injectable()
export class FormBodyGuard implements CanActivate {
  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    assertFormContentType(req.headers['content-type']);
    req.body = parseForm(await readBody(req, FORM_BODY_LIMIT));
    return true;
  }
}

function assertFormContentType(header: string | undefined): void {
  const [type, ...params] = (header ?? '').split(';').map((p) => p.trim().toLowerCase());
  if (type !== 'application/x-www-form-urlencoded') {
    throw new InvalidRequestError('the request body must be application/x-www-form-urlencoded');
  }
  const charset = params.find((p) => p.startsWith('charset='));
  if (charset && !/^charset="?utf-8"?$/.test(charset)) throw new InvalidRequestError('the request body must be UTF-8');
}

export function readBody(req: Request, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        return reject(tooLarge(limit));
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => {
      try {
        resolve(utf8.decode(Buffer.concat(chunks)));
      } catch {
        reject(new InvalidRequestError('the request body is not valid UTF-8'));
      }
    });
    req.on('error', () => reject(new InvalidRequestError('the request body could not be read')));
  });
}

function tooLarge(limit: number): InvalidRequestError {
  return new InvalidRequestError(`the request body exceeds ${limit} bytes`, 413);
}

/** Parses a form body into a null-prototype record; empty values count as omitted (RFC 6749 3.1). */
export function parseForm(body: string): Record<string, string> {
  const params: Record<string, string> = Object.create(null);
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeComponent(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decodeComponent(pair.slice(eq + 1));
    if (value === '') continue;
    if (name in params) throw new InvalidRequestError(`parameter ${visible(name)} is repeated`);
    params[name] = value;
  }
  return params;
}

function decodeComponent(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw new InvalidRequestError('the request body is not valid percent-encoded UTF-8');
  }
}

function visible(name: string): string {
  return /^[\x21-\x7e]{1,64}$/.test(name) ? name : '(unprintable)';
}
