import request from 'supertest';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** The hidden and prefilled fields of a rendered device-flow form. */
export function deviceFields(html: string): { csrf_token: string; user_code?: string; device_request?: string } {
  const field = (name: string) => {
    const match = new RegExp(`name="${name}"\\s+value="([^"]*)"`).exec(html);
    return match?.[1].replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)));
  };
  const csrf = field('csrf_token');
  if (csrf === undefined) throw new Error('no csrf_token field in the page');
  const fields: { csrf_token: string; user_code?: string; device_request?: string } = { csrf_token: csrf };
  const userCode = field('user_code');
  const deviceRequest = field('device_request');
  if (userCode !== undefined) fields.user_code = userCode;
  if (deviceRequest !== undefined) fields.device_request = deviceRequest;
  return fields;
}

let addresses = 0;

/**
 * A user at the verification page: a supertest agent that keeps cookies and fills in the device forms,
 * from an address of its own (X-Forwarded-For, for an app started with TRUST_PROXY=loopback), so that
 * the per-address throttles count each user apart.
 */
export class DeviceUser {
  readonly agent: ReturnType<typeof request.agent>;

  constructor(
    base: string,
    readonly address = `198.51.100.${++addresses % 250}`,
  ) {
    this.agent = request.agent(base);
  }

  get(path: string) {
    return this.agent.get(path).set('x-forwarded-for', this.address).redirects(0);
  }

  post(path: string) {
    return this.agent.post(path).set('x-forwarded-for', this.address).type('form').redirects(0);
  }

  /** GET /device (the verification_uri, optionally complete), following its redirect to the code form. */
  async open(userCode?: string) {
    const first = await this.get(userCode ? `/device?user_code=${encodeURIComponent(userCode)}` : '/device');
    if (first.status !== 303) throw new Error(`expected a redirect from /device, got ${first.status}`);
    return this.get(first.headers.location);
  }

  /** Types a code into the code form (as given, or the prefilled one). */
  async enterCode(codePage: string, userCode?: string) {
    const { csrf_token, user_code } = deviceFields(codePage);
    return this.post('/oauth/device').send({ csrf_token, user_code: userCode ?? user_code ?? '' });
  }

  async signIn(loginPage: string, username: string, password: string) {
    return this.post('/oauth/device/login').send({ ...deviceFields(loginPage), username, password });
  }

  async decide(consentPage: string, decision: 'allow' | 'deny') {
    return this.post('/oauth/device/consent').send({ ...deviceFields(consentPage), decision });
  }

  /** Enters the code, signs in when asked, and decides; answers the last page. */
  async verify(userCode: string, username: string, password: string, decision: 'allow' | 'deny' = 'allow') {
    let page = await this.enterCode((await this.open()).text, userCode);
    if (page.status === 200 && page.text.includes('/oauth/device/login'))
      page = await this.signIn(page.text, username, password);
    if (page.status !== 200 || !page.text.includes('/oauth/device/consent'))
      throw new Error(`expected the consent page, got ${page.status}: ${page.text.slice(0, 300)}`);
    return this.decide(page.text, decision);
  }
}
