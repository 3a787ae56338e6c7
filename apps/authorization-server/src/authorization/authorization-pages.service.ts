import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { serverConfig, type ServerConfig } from '#config';
import { AuthorizationFlowService, FlowStep } from './authorization-flow.service.js';
import { AuthorizationRedirectError, AuthorizationRequest } from './authorization-request.js';
import { SESSION_COOKIE, clearCookie, readCookie, setCookie } from './cookies.js';
import { csrfToken } from './csrf.js';
import { LoginSessionsService } from './login-sessions.service.js';
import { PAGE_HEADERS, readPageForm, sentPageError } from './page-http.js';
import { consentPage, loginPage, signOutPage, signedOutPage } from './pages/pages.js';

/** The HTTP side of the authorization endpoint: forms, cookies, CSRF, pages and redirects. */
@Injectable()
export class AuthorizationPagesService {
  constructor(
    private readonly flow: AuthorizationFlowService,
    private readonly sessions: LoginSessionsService,
    @Inject(serverConfig.KEY) private readonly config: ServerConfig,
  ) {}

  /** GET /oauth/authorize */
  async authorize(req: Request, res: Response): Promise<void> {
    await this.guarded(res, async () => {
      const request = await this.flow.request(queryOf(req));
      const user = await this.sessions.user(readCookie(req, SESSION_COOKIE));
      this.show(req, res, user ? await this.flow.proceed(request, user) : { kind: 'login', request });
    });
  }

  /** POST /oauth/authorize/login */
  async login(req: Request, res: Response): Promise<void> {
    await this.guarded(res, async () => {
      const { form, request } = await this.submitted(req);
      const step = await this.flow.login(request, form.username ?? '', form.password ?? '', req.ip ?? 'unknown');
      if (step.kind !== 'signed-in') return this.show(req, res, step);
      setCookie(res, SESSION_COOKIE, await this.sessions.start(step.user), this.sessions.lifetimeSeconds, this.secure);
      res.redirect(303, `/oauth/authorize?${request.query}`);
    });
  }

  /** POST /oauth/authorize/consent */
  async consent(req: Request, res: Response): Promise<void> {
    await this.guarded(res, async () => {
      const { form, request } = await this.submitted(req);
      const user = await this.sessions.user(readCookie(req, SESSION_COOKIE));
      if (!user) return res.redirect(303, `/oauth/authorize?${request.query}`);
      res.redirect(303, await this.flow.decide(request, user, form.decision === 'allow', form.remember === 'yes'));
    });
  }

  /** GET /oauth/logout: the sign-out form (a POST, so that a link or an image cannot sign anyone out). */
  async logoutForm(req: Request, res: Response): Promise<void> {
    const user = await this.sessions.user(readCookie(req, SESSION_COOKIE));
    const page = signOutPage({ csrfToken: csrfToken(req, res, this.secure), username: user?.username });
    res.set(PAGE_HEADERS).status(200).type('html').send(page);
  }

  /** POST /oauth/logout: ends the sign-in session (row and cookie), CSRF-checked like the sign-in form. */
  async logout(req: Request, res: Response): Promise<void> {
    await this.guarded(res, async () => {
      await this.form(req);
      await this.sessions.end(readCookie(req, SESSION_COOKIE));
      clearCookie(res, SESSION_COOKIE, this.secure);
      res.set(PAGE_HEADERS).status(200).type('html').send(signedOutPage());
    });
  }

  private async submitted(req: Request): Promise<{ form: Record<string, string>; request: AuthorizationRequest }> {
    const form = await this.form(req);
    return { form, request: await this.flow.request(form.authorization_request ?? '') };
  }

  private form(req: Request): Promise<Record<string, string>> {
    return readPageForm(req, new URL(this.config.issuer).origin);
  }

  private show(req: Request, res: Response, step: FlowStep): void {
    if (step.kind === 'redirect') return res.redirect(303, step.location);
    if (step.kind === 'signed-in') return res.redirect(303, `/oauth/authorize?${step.request.query}`);
    const context = {
      request: step.request.query,
      csrfToken: csrfToken(req, res, this.secure),
      clientName: clientName(step.request),
    };
    res.set(PAGE_HEADERS).type('html');
    if (step.kind === 'consent') {
      res.status(200).send(consentPage({ ...context, username: step.user.username, scopes: step.request.scope }));
      return;
    }
    if (step.retryAfter) res.set('Retry-After', String(step.retryAfter));
    res.status(step.status ?? 200).send(loginPage({ ...context, username: step.username, error: step.error }));
  }

  private async guarded(res: Response, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (e) {
      if (e instanceof AuthorizationRedirectError) return res.redirect(303, this.flow.errorRedirect(e));
      if (!sentPageError(res, e)) throw e;
    }
  }

  private get secure(): boolean {
    return this.config.issuer.startsWith('https:');
  }
}

function queryOf(req: Request): string {
  const i = req.originalUrl.indexOf('?');
  return i < 0 ? '' : req.originalUrl.slice(i + 1);
}

function clientName(request: AuthorizationRequest): string {
  return request.client.client_name || request.client.client_id;
}
