import { html, layout } from './html.js';

export interface FormContext {
  /**
   * What the forms carry back to be validated again: the authorization request's query string (the code
   * flow), or the device request's id (the device flow).
   */
  request: string;
  csrfToken: string;
  /** The code flow by default. */
  flow?: 'code' | 'device';
}

/** Where each flow's sign-in and consent forms post, and the field that carries its request. */
const FLOWS = {
  code: { action: '/oauth/authorize', field: 'authorization_request' },
  device: { action: '/oauth/device', field: 'device_request' },
} as const;

const flowOf = (f: FormContext) => FLOWS[f.flow ?? 'code'];

const hidden = (f: FormContext) =>
  html`<input type="hidden" name="${flowOf(f).field}" value="${f.request}" />
    <input type="hidden" name="csrf_token" value="${f.csrfToken}" />`;

export function loginPage(f: FormContext & { clientName: string; username?: string; error?: string }): string {
  return layout(
    'Sign in',
    html`<h1>Sign in</h1>
      <p>to continue to <strong>${f.clientName}</strong></p>
      <form method="post" action="${flowOf(f).action}/login">
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
  // RFC 8628 5.4: a device request is always confirmed, never remembered, and says it is for a device.
  const device = f.flow === 'device';
  return layout(
    'Allow access',
    html`<h1>Allow access?</h1>
      <p><strong>${f.clientName}</strong> asks to act on your behalf, <strong>${f.username}</strong>, with:</p>
      <ul class="scopes">
        ${f.scopes.map((s) => html`<li>${s}</li>`)}
      </ul>
      ${
        device
          ? html`<p class="muted">
              For a device: a TV, a console, a command line. Allow only if you started this on your own device and
              entered the code it shows.
            </p>`
          : ''
      }
      <form method="post" action="${flowOf(f).action}/consent">
        ${hidden(f)}
        ${
          device
            ? ''
            : html`<label class="remember"
                ><input type="checkbox" name="remember" value="yes" checked /> Remember this decision</label
              >`
        }
        <div class="actions">
          <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
          <button type="submit" name="decision" value="allow" class="primary">Allow</button>
        </div>
      </form>`,
  );
}

/** RFC 8628 3.3: the verification page, where the user types (or finds prefilled) the device's code. */
export function deviceCodePage(f: { csrfToken: string; userCode?: string; error?: string }): string {
  return layout(
    'Connect a device',
    html`<h1>Connect a device</h1>
      <p>Enter the code your device shows.</p>
      <form method="post" action="/oauth/device">
        <input type="hidden" name="csrf_token" value="${f.csrfToken}" />
        <label for="user_code">Code</label>
        <input
          type="text"
          id="user_code"
          name="user_code"
          value="${f.userCode ?? ''}"
          placeholder="BDWP-HQPK"
          autocomplete="off"
          autocapitalize="characters"
          spellcheck="false"
          maxlength="32"
          required
          autofocus
        />
        ${f.error ? html`<p class="error" role="alert">${f.error}</p>` : ''}
        <div class="actions"><button type="submit" class="primary">Continue</button></div>
      </form>`,
  );
}

/** After the decision on a device request. */
export function deviceDonePage(approved: boolean): string {
  return layout(
    approved ? 'Device connected' : 'Access denied',
    html`<h1>${approved ? 'Device connected' : 'Access denied'}</h1>
      <p>${approved ? 'You may return to your device.' : 'The device was not given access. You may return to it.'}</p>
      <p class="muted">You can close this page.</p>`,
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
