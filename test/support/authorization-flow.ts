import { createHash, randomBytes } from 'node:crypto';
import request from 'supertest';

/** A PKCE pair (RFC 7636 4.1-4.2, S256). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The authorization request's parameters the server reads (RFC 6749 4.1.1, RFC 7636 4.3). */
export const AUTHORIZE_PARAMS = [
  'client_id',
  'redirect_uri',
  'response_type',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
] as const;

export function authorizeUrl(params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) query.append(k, v);
  return `/oauth/authorize?${query.toString()}`;
}

/**
 * An authorization-code request (response_type=code) with a fresh PKCE pair (S256): the path to open and
 * the pair, whose verifier redeems the code. `params` adds to or overrides the request's parameters.
 */
export function codeRequest(params: Record<string, string | undefined>): {
  path: string;
  pkce: { verifier: string; challenge: string };
} {
  const pkce = pkcePair();
  const path = authorizeUrl({
    response_type: 'code',
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    ...params,
  });
  return { path, pkce };
}

/** The hidden fields of a rendered login or consent form. */
export function formFields(html: string): { csrf_token: string; authorization_request: string } {
  const field = (name: string) => {
    const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
    if (!match) throw new Error(`no ${name} field in the page`);
    return match[1].replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)));
  };
  return { csrf_token: field('csrf_token'), authorization_request: field('authorization_request') };
}

/** A browser: a supertest agent that keeps cookies, driving the login and consent forms. */
export class Browser {
  readonly agent: ReturnType<typeof request.agent>;

  constructor(base: string) {
    this.agent = request.agent(base);
  }

  open(path: string) {
    return this.agent.get(path).redirects(0);
  }

  async signIn(loginPage: string, username: string, password: string) {
    return this.agent
      .post('/oauth/authorize/login')
      .type('form')
      .redirects(0)
      .send({ ...formFields(loginPage), username, password });
  }

  async decide(consentPage: string, decision: 'allow' | 'deny', remember = true) {
    const form: Record<string, string> = { ...formFields(consentPage), decision };
    if (remember) form.remember = 'yes';
    return this.agent.post('/oauth/authorize/consent').type('form').redirects(0).send(form);
  }

  /** Signs in (if asked), consents (if asked) and answers the final redirect to the client. */
  async authorize(path: string, username: string, password: string): Promise<URL> {
    let res = await this.open(path);
    if (res.status === 200 && res.text.includes('/oauth/authorize/login')) {
      res = await this.signIn(res.text, username, password);
      res = await this.open(res.headers.location);
    }
    if (res.status === 200 && res.text.includes('/oauth/authorize/consent')) res = await this.decide(res.text, 'allow');
    if (res.status !== 303)
      throw new Error(`expected a redirect to the client, got ${res.status}: ${res.text.slice(0, 300)}`);
    return new URL(res.headers.location);
  }
}
