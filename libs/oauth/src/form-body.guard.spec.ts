import { FORM_BODY_LIMIT, parseForm } from './form-body.guard.js';
import { InvalidRequestError } from './oauth-errors.js';

/** The InvalidRequestError `parseForm(body)` throws. */
function refusal(body: string): InvalidRequestError {
  try {
    parseForm(body);
  } catch (e) {
    if (e instanceof InvalidRequestError) return e;
    throw new Error(`expected an InvalidRequestError, got ${String(e)}`, { cause: e });
  }
  throw new Error(`expected ${JSON.stringify(body)} to be refused`);
}

/** Plain-object copy, so toStrictEqual compares contents rather than prototypes. */
const plain = (record: Record<string, string>) => ({ ...record });

describe('FORM_BODY_LIMIT', () => {
  it('is 16 KiB', () => {
    expect(FORM_BODY_LIMIT).toBe(16384);
  });
});

describe('parseForm', () => {
  describe('parsing', () => {
    it('parses name=value pairs separated by "&"', () => {
      expect(plain(parseForm('grant_type=refresh_token&refresh_token=asrt_abc&scope=read'))).toStrictEqual({
        grant_type: 'refresh_token',
        refresh_token: 'asrt_abc',
        scope: 'read',
      });
    });

    it('returns an empty record for the empty body', () => {
      expect(Object.keys(parseForm(''))).toEqual([]);
    });

    it('decodes "+" as a space', () => {
      expect(parseForm('scope=read+write').scope).toBe('read write');
    });

    it('decodes "%2B" as a literal plus', () => {
      expect(parseForm('password=a%2Bb').password).toBe('a+b');
    });

    it('percent-decodes values', () => {
      expect(parseForm('redirect=https%3A%2F%2Fclient.example%2Fcb%3Fx%3D1%26y%3D2').redirect).toBe(
        'https://client.example/cb?x=1&y=2',
      );
    });

    it('percent-decodes UTF-8 sequences', () => {
      expect(parseForm('username=caf%C3%A9&password=%F0%9F%98%80').username).toBe('café');
      expect(parseForm('password=%F0%9F%98%80').password).toBe('😀');
    });

    it('accepts lowercase hex in percent-encoding', () => {
      expect(parseForm('x=%c3%a9').x).toBe('é');
    });

    it('percent-decodes and plus-decodes names', () => {
      expect(plain(parseForm('client%5Fid=a&my+name=b'))).toStrictEqual({ client_id: 'a', 'my name': 'b' });
    });

    it('splits a pair at its first "=", keeping later ones in the value', () => {
      expect(parseForm('code_verifier=abc=def==').code_verifier).toBe('abc=def==');
    });

    it('ignores a trailing "&"', () => {
      expect(plain(parseForm('a=1&b=2&'))).toStrictEqual({ a: '1', b: '2' });
    });

    it('ignores a leading "&" and empty pairs between "&&"', () => {
      expect(plain(parseForm('&a=1&&b=2&&&'))).toStrictEqual({ a: '1', b: '2' });
    });

    it('keeps raw UTF-8 characters as they are', () => {
      expect(parseForm('username=café').username).toBe('café');
    });
  });

  describe('empty values', () => {
    it('treats a parameter with an empty value as omitted', () => {
      const form = parseForm('grant_type=password&scope=&username=u');
      expect('scope' in form).toBe(false);
      expect(plain(form)).toStrictEqual({ grant_type: 'password', username: 'u' });
    });

    it('treats a name without "=" as omitted', () => {
      expect(plain(parseForm('scope&a=1'))).toStrictEqual({ a: '1' });
    });

    it('allows a parameter repeated only with empty values alongside one non-empty value', () => {
      expect(plain(parseForm('scope=&scope=read&scope='))).toStrictEqual({ scope: 'read' });
    });

    it('keeps a value that is a single space', () => {
      expect(parseForm('x=+').x).toBe(' ');
    });
  });

  describe('repeated parameters', () => {
    it('refuses a repeated parameter, naming it', () => {
      const error = refusal('grant_type=password&scope=read&scope=write');
      expect(error.error).toBe('invalid_request');
      expect(error.status).toBe(400);
      expect(error.description).toBe('parameter scope is repeated');
    });

    it('refuses a repeated parameter even with the same value', () => {
      expect(refusal('a=1&a=1').description).toBe('parameter a is repeated');
    });

    it('refuses a repetition hidden by percent-encoding of the name', () => {
      expect(refusal('scope=a&%73cope=b').description).toBe('parameter scope is repeated');
    });

    it('names an unprintable repeated parameter as (unprintable)', () => {
      expect(refusal('my+name=a&my%20name=b').description).toBe('parameter (unprintable) is repeated');
    });

    it('does not echo an over-long repeated name', () => {
      const name = 'n'.repeat(65);
      expect(refusal(`${name}=a&${name}=b`).description).toBe('parameter (unprintable) is repeated');
    });

    it('echoes a 64-character repeated name', () => {
      const name = 'n'.repeat(64);
      expect(refusal(`${name}=a&${name}=b`).description).toBe(`parameter ${name} is repeated`);
    });
  });

  describe('invalid percent-encoding', () => {
    it.each([
      ['a truncated escape in a value', 'code=%E0%A4%A'],
      ['a lone "%" in a value', 'password=100%'],
      ['non-hex digits in a value', 'password=%ZZ'],
      ['an escape of invalid UTF-8 in a value', 'password=%FF'],
      ['an overlong UTF-8 escape in a value', 'password=%C0%AF'],
      ['an encoded lone surrogate in a value', 'password=%ED%A0%80'],
      ['a bad escape in a name', 'sc%Zope=read'],
      ['a bad escape in a name with an empty value', 'sc%Zope='],
    ])('refuses %s as invalid_request', (_label, body) => {
      const error = refusal(body);
      expect(error.error).toBe('invalid_request');
      expect(error.status).toBe(400);
      expect(error.description).toBe('the request body is not valid percent-encoded UTF-8');
    });
  });

  describe('prototype safety', () => {
    it('returns a record with a null prototype', () => {
      expect(Object.getPrototypeOf(parseForm('a=1'))).toBeNull();
    });

    it('stores "__proto__" as an own property without polluting Object.prototype', () => {
      const form = parseForm('__proto__=x');
      expect(Object.getPrototypeOf(form)).toBeNull();
      expect(Object.prototype.hasOwnProperty.call(form, '__proto__')).toBe(true);
      expect(Object.getOwnPropertyDescriptor(form, '__proto__')?.value).toBe('x');
      expect(Object.keys(form)).toEqual(['__proto__']);
      expect(({} as Record<string, unknown>).x).toBeUndefined();
      expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    });

    it('does not pollute Object.prototype through a percent-encoded "__proto__"', () => {
      const form = parseForm('%5F%5Fproto%5F%5F=polluted');
      expect(Object.getOwnPropertyDescriptor(form, '__proto__')?.value).toBe('polluted');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    });

    it.each(['constructor', 'toString', 'hasOwnProperty', 'valueOf'])(
      'accepts %s as an ordinary, non-repeated parameter name',
      (name) => {
        const form = parseForm(`${name}=v`);
        expect(Object.getOwnPropertyDescriptor(form, name)?.value).toBe('v');
      },
    );

    it('leaves inherited names absent from the result', () => {
      const form = parseForm('a=1');
      expect('toString' in form).toBe(false);
      expect('constructor' in form).toBe(false);
      expect(form.hasOwnProperty).toBeUndefined();
    });

    it('still detects repetition of "__proto__"', () => {
      expect(refusal('__proto__=a&__proto__=b').description).toBe('parameter __proto__ is repeated');
    });
  });
});
