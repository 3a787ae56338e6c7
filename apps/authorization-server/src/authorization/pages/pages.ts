import { html, layout } from './html.js';

export interface FormContext {
  /** The authorization request's query string, carried through the forms and validated again. */
  request: string;
  csrfToken: string;
}

const hidden = (f: FormContext) =>
  html`<input type="hidden" name="authorization_request" value="${f.request}" />
    <input type="hidden" name="csrf_token" value="${f.csrfToken}" />`;

export function loginPage(f: FormContext & { clientName: string; username?: string; error?: string }): string {
  return layout(
    'Sign in',
    html`<h1>Sign in</h1>
      <p>to continue to <strong>${f.clientName}</strong></p>
      <form method="post" action="/oauth/authorize/login">
        ${hidden(f)}
        <label for="username">Username</label>
        <input
          type="text"
          id="username"
          name="username"
          value="${f.username ?? ''}"
          autocomplete="username"
          required
          autofocus
        />
        <label for="password">Password</label>
        <input type="password" id="password" name="password" autocomplete="current-password" required />
        ${f.error ? html`<p class="error" role="alert">${f.error}</p>` : ''}
        <div class="actions"><button type="submit" class="primary">Sign in</button></div>
      </form>`,
  );
}

export function consentPage(f: FormContext & { clientName: string; username: string; scopes: string[] }): string {
  return layout(
    'Allow access',
    html`<h1>Allow access?</h1>
      <p><strong>${f.clientName}</strong> asks to act on your behalf, <strong>${f.username}</strong>, with:</p>
      <ul class="scopes">
        ${f.scopes.map((s) => html`<li>${s}</li>`)}
      </ul>
      <form method="post" action="/oauth/authorize/consent">
        ${hidden(f)}
        <label class="remember"
          ><input type="checkbox" name="remember" value="yes" checked /> Remember this decision</label
        >
        <div class="actions">
          <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
          <button type="submit" name="decision" value="allow" class="primary">Allow</button>
        </div>
      </form>`,
  );
}

export function signOutPage(f: { csrfToken: string; username?: string }): string {
  return layout(
    'Sign out',
    html`<h1>Sign out?</h1>
      ${f.username ? html`<p>You are signed in as <strong>${f.username}</strong>.</p>` : ''}
      <form method="post" action="/oauth/logout">
        <input type="hidden" name="csrf_token" value="${f.csrfToken}" />
        <div class="actions"><button type="submit" class="primary">Sign out</button></div>
      </form>`,
  );
}

export function signedOutPage(): string {
  return layout(
    'Signed out',
    html`<h1>You are signed out</h1>
      <p class="muted">You can close this page.</p>`,
  );
}

export function errorPage(title: string, message: string): string {
  return layout(
    title,
    html`<h1>${title}</h1>
      <p class="error" role="alert">${message}</p>
      <p class="muted">You can close this page.</p>`,
  );
}
