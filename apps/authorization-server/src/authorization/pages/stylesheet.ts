/** The pages' only stylesheet, served by the app itself (no CDN, no script). */
export const STYLESHEET = `
:root { color-scheme: light; --accent: #2451b7; --danger: #b42318; --text: #1d2433; --muted: #5b6475; }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #f3f5f9;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--text); }
.card { width: min(420px, calc(100vw - 32px)); background: #fff; border-radius: 12px; padding: 32px;
  box-shadow: 0 1px 3px rgba(16, 24, 40, .1), 0 8px 24px rgba(16, 24, 40, .08); }
h1 { font-size: 1.35rem; margin: 0 0 8px; }
p { margin: 0 0 16px; color: var(--muted); }
strong { color: var(--text); }
label { display: block; font-weight: 600; margin: 16px 0 6px; }
input[type=text], input[type=password] { width: 100%; padding: 10px 12px; font: inherit; border: 1px solid #c8cfdb; border-radius: 8px; }
input:focus, button:focus { outline: 3px solid rgba(36, 81, 183, .35); outline-offset: 1px; }
.actions { display: flex; gap: 12px; margin-top: 24px; }
button { flex: 1; padding: 10px 16px; font: inherit; font-weight: 600; border-radius: 8px; border: 1px solid var(--accent); cursor: pointer; }
button.primary { background: var(--accent); color: #fff; }
button.secondary { background: #fff; color: var(--accent); }
.error { background: #fef3f2; color: var(--danger); border: 1px solid #fecdca; border-radius: 8px; padding: 10px 12px; margin: 16px 0; }
ul.scopes { list-style: none; padding: 0; margin: 0 0 8px; }
ul.scopes li { padding: 6px 0 6px 28px; position: relative; font-weight: 600; }
ul.scopes li::before { content: "\\2713"; position: absolute; left: 4px; color: var(--accent); }
.remember { display: flex; align-items: center; gap: 8px; font-weight: 400; }
.muted { font-size: .875rem; }
`;
