import { ADDRESS_LENGTH, USER_AGENT_LENGTH, boundedText, requestOrigin } from './request-origin.js';

describe(requestOrigin.name, () => {
  it('keeps a plain address and User-Agent as they are', () => {
    expect(requestOrigin('203.0.113.7', 'curl/8.5.0')).toEqual({ address: '203.0.113.7', user_agent: 'curl/8.5.0' });
  });

  it('answers null for an absent or empty header', () => {
    expect(requestOrigin('::1', undefined)).toEqual({ address: '::1', user_agent: null });
    expect(requestOrigin(undefined, '')).toEqual({ address: null, user_agent: null });
  });

  it('cuts each to its column size in characters', () => {
    const origin = requestOrigin('a'.repeat(ADDRESS_LENGTH + 10), 'u'.repeat(USER_AGENT_LENGTH + 1));
    expect(origin).toEqual({ address: 'a'.repeat(ADDRESS_LENGTH), user_agent: 'u'.repeat(USER_AGENT_LENGTH) });
  });

  it('strips control characters before cutting', () => {
    expect(requestOrigin('10.0.0.1\n', 'evil\r\nX-Injected: 1\u0000\u0085\u007f')).toEqual({
      address: '10.0.0.1',
      user_agent: 'evilX-Injected: 1',
    });
    expect(boundedText('\u0001'.repeat(10) + 'ab', 2)).toBe('ab');
    expect(boundedText('\t\n', 10)).toBeNull();
  });
});

describe(boundedText.name, () => {
  it('counts a surrogate pair as one character and never splits one', () => {
    const emoji = '\u{1F600}';
    expect(boundedText(`${'x'.repeat(3)}${emoji}`, 4)).toBe(`xxx${emoji}`);
    expect(boundedText(`${'x'.repeat(3)}${emoji}${emoji}`, 4)).toBe(`xxx${emoji}`);
    expect(boundedText(`${emoji}${emoji}`, 1)).toBe(emoji);
  });

  it('drops lone surrogates, which no text column stores', () => {
    expect(boundedText('a\uD800b\uDFFFc', 10)).toBe('abc');
  });
});
