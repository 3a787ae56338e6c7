/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A tagged template whose interpolations are escaped unless they are already `SafeHtml`. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  values.forEach((v, i) => {
    const rendered = Array.isArray(v) ? v.map(part).join('') : part(v);
    out += rendered + strings[i + 1];
  });
  return new SafeHtml(out);
}

function part(v: unknown): string {
  if (v instanceof SafeHtml) return v.value;
  if (v === undefined || v === null || v === false) return '';
  return escapeHtml(String(v));
}

export const STYLESHEET_PATH = '/oauth/assets/style.css';

/** The page frame shared by the login, consent and error pages. */
export function layout(title: string, body: SafeHtml): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>${title}</title>
        <link rel="stylesheet" href="${STYLESHEET_PATH}" />
      </head>
      <body>
        <main class="card">${body}</main>
      </body>
    </html> `.value;
}
