import { escapeHtml, html } from './html.js';

describe('escapeHtml and html``', () => {
  it('escapes every character that can open markup or leave an attribute', () => {
    expect(escapeHtml(`<script>alert("x")</script>&'\`=`)).toBe(
      '&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;&#38;&#39;&#96;&#61;',
    );
  });

  it('escapes interpolated values but not nested templates', () => {
    const name = '"><img src=x onerror=alert(1)>';
    const out = html`<p title="${name}">${html`<b>${name}</b>`}</p>`.value;
    expect(out).toBe(
      '<p title="&#34;&#62;&#60;img src&#61;x onerror&#61;alert(1)&#62;"><b>&#34;&#62;&#60;img src&#61;x onerror&#61;alert(1)&#62;</b></p>',
    );
  });

  it('renders lists, and nothing for undefined, null and false', () => {
    expect(html`${['<a>', html`<i>b</i>`]}|${undefined}|${null}|${false}|${0}`.value).toBe('&#60;a&#62;<i>b</i>||||0');
  });
});
