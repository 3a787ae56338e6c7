import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { serverConfig, type ServerConfig } from '#config';
import { GrantType, scopeList } from '#oauth';
import type { ClientEntity, DeviceAuthorizationEntity, UserEntity } from '#persistence';
import { ClientRegistrationService } from '../clients/client-registration.service.js';
import { SESSION_COOKIE, readCookie, setCookie } from './cookies.js';
import { csrfToken } from './csrf.js';
import { DeviceAuthorizationsService } from './device-authorizations.service.js';
import { LoginSessionsService } from './login-sessions.service.js';
import { LoginThrottle } from './login-throttle.service.js';
import { readPageForm, sendPage, sentPageError } from './page-http.js';
import { consentPage, deviceCodePage, deviceDonePage, loginPage } from './pages/pages.js';
import { normalizeUserCode } from './user-code.js';
import { UserCodeThrottle } from './user-code-throttle.service.js';

/** A pending device request as the pages show it: the request and its client. */
interface Verification {
  request: DeviceAuthorizationEntity;
  client: ClientEntity;
}

/** What the page answers when a code names nothing: wrong, expired, or already decided. */
class UnknownUserCode extends Error {}

const WRONG_CODE = 'That code is wrong or has expired. Check the code your device shows.';

/**
 * RFC 8628 3.3: the verification pages. The user enters the device's code (throttled per address), then
 * signs in and consents with the sign-in pages, CSRF protection, login sessions and sign-in throttle of
 * the code flow. The sign-in and consent forms carry the request's id (random, unlike a user code, so
 * not worth guessing) rather than the user code, and the request is looked up again on each POST.
 */
@Injectable()
export class DevicePagesService {
  constructor(
    private readonly requests: DeviceAuthorizationsService,
    private readonly clients: ClientRegistrationService,
    private readonly sessions: LoginSessionsService,
    private readonly loginThrottle: LoginThrottle,
    private readonly codeThrottle: UserCodeThrottle,
    @Inject(serverConfig.KEY) private readonly config: ServerConfig,
  ) {}

  /** GET /device: on to the pages under /oauth (decision 15), keeping `user_code`. */
  verificationUri(req: Request, res: Response): void {
    const userCode = typedUserCode(req.query.user_code);
    res.redirect(303, userCode ? `/oauth/device?user_code=${encodeURIComponent(userCode)}` : '/oauth/device');
  }

  /** GET /oauth/device: the code form, prefilled from `user_code` (verification_uri_complete). */
  codeForm(req: Request, res: Response): void {
    const userCode = typedUserCode(req.query.user_code) || undefined;
    sendPage(res, 200, deviceCodePage({ csrfToken: this.csrf(req, res), userCode }));
  }

  /** POST /oauth/device: the code entered; sign-in, or consent for a signed-in user. */
  async enterCode(req: Request, res: Response): Promise<void> {
    await this.guarded(req, res, async (form) => {
      const userCode = typedUserCode(form.user_code);
      const attempt = await this.codeThrottle.lookup(this.address(req), () => this.findByUserCode(userCode));
      if (attempt.retryAfter > 0) {
        res.set('Retry-After', String(attempt.retryAfter));
        const error = 'Too many codes entered. Try again later.';
        return sendPage(res, 429, deviceCodePage({ csrfToken: this.csrf(req, res), userCode, error }));
      }
      if (!attempt.found) throw new UnknownUserCode();
      this.next(req, res, attempt.found, await this.sessions.user(readCookie(req, SESSION_COOKIE)));
    });
  }

  /** POST /oauth/device/login */
  async login(req: Request, res: Response): Promise<void> {
    await this.guarded(req, res, async (form) => {
      const verification = await this.carried(form);
      const username = form.username ?? '';
      const { user, retryAfter } = await this.loginThrottle.verifyCredentials(
        username,
        form.password ?? '',
        this.address(req),
      );
      if (retryAfter > 0) {
        res.set('Retry-After', String(retryAfter));
        return this.showLogin(req, res, verification, 429, username, 'Too many failed attempts. Try again later.');
      }
      if (!user) return this.showLogin(req, res, verification, 401, username, 'Wrong username or password.');
      setCookie(res, SESSION_COOKIE, await this.sessions.start(user), this.sessions.lifetimeSeconds, this.secure);
      this.next(req, res, verification, user);
    });
  }

  /** POST /oauth/device/consent: Allow or Deny, then the page that sends the user back to the device. */
  async consent(req: Request, res: Response): Promise<void> {
    await this.guarded(req, res, async (form) => {
      const verification = await this.carried(form);
      const user = await this.sessions.user(readCookie(req, SESSION_COOKIE));
      if (!user) return this.next(req, res, verification, null);
      const allow = form.decision === 'allow';
      const decided = allow
        ? await this.requests.approve(verification.request.id, user)
        : await this.requests.deny(verification.request.id, user);
      if (!decided) throw new UnknownUserCode();
      sendPage(res, 200, deviceDonePage(allow));
    });
  }

  /** Reads the form (CSRF-checked); a code that names nothing is the code form again, with an error. */
  private async guarded(
    req: Request,
    res: Response,
    work: (form: Record<string, string>) => Promise<void>,
  ): Promise<void> {
    try {
      await work(await readPageForm(req, new URL(this.config.issuer).origin));
    } catch (e) {
      if (e instanceof UnknownUserCode) {
        return sendPage(res, 400, deviceCodePage({ csrfToken: this.csrf(req, res), error: WRONG_CODE }));
      }
      if (!sentPageError(res, e)) throw e;
    }
  }

  /** The pending request a typed user code names, of a client still allowed the grant. */
  private async findByUserCode(typed: string): Promise<Verification | null> {
    const code = normalizeUserCode(typed);
    return this.withClient(code === null ? null : await this.requests.findPending(code));
  }

  /** The pending request the sign-in or consent form carried; expired or decided meanwhile is a wrong code. */
  private async carried(form: Record<string, string>): Promise<Verification> {
    const verification = await this.withClient(await this.requests.findPendingById(form.device_request ?? ''));
    if (!verification) throw new UnknownUserCode();
    return verification;
  }

  private async withClient(request: DeviceAuthorizationEntity | null): Promise<Verification | null> {
    const client = request ? await this.clients.findById(request.client_id) : null;
    if (!request || !client || !client.grant_types.includes(GrantType.DeviceCode)) return null;
    return { request, client };
  }

  private next(req: Request, res: Response, v: Verification, user: UserEntity | null): void {
    if (!user) return this.showLogin(req, res, v, 200);
    const page = consentPage({
      ...this.context(req, res, v),
      username: user.username,
      scopes: scopeList(v.request.scope),
    });
    sendPage(res, 200, page);
  }

  private showLogin(req: Request, res: Response, v: Verification, status: number, username?: string, error?: string) {
    sendPage(res, status, loginPage({ ...this.context(req, res, v), username, error }));
  }

  private context(req: Request, res: Response, v: Verification) {
    return {
      flow: 'device' as const,
      request: v.request.id,
      csrfToken: this.csrf(req, res),
      clientName: v.client.client_name || v.client.client_id,
    };
  }

  private csrf(req: Request, res: Response): string {
    return csrfToken(req, res, this.secure);
  }

  private address(req: Request): string {
    return req.ip ?? 'unknown';
  }

  private get secure(): boolean {
    return this.config.issuer.startsWith('https:');
  }
}

/** A user code as typed (query or form), cut to the longest input the code form takes. */
function typedUserCode(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, 32) : '';
}
