import { InvalidRequestError } from '#oauth';
import { RefreshTokenParams } from './dto/grant-params.dto.js';
import { grantParams, optional, required } from './grant-params.js';

const spec = { first: required(5), second: optional(3) };

function fault(params: Record<string, string>): string {
  try {
    grantParams(spec, params);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidRequestError);
    return (e as InvalidRequestError).message;
  }
  throw new Error('expected invalid_request');
}

describe(grantParams.name, () => {
  it('returns the declared parameters and ignores unknown ones (RFC 6749 3.2)', () => {
    expect(grantParams(spec, { first: 'abcde', second: 'xyz', extra: 'ignored' })).toStrictEqual({
      first: 'abcde',
      second: 'xyz',
    });
  });

  it('leaves an absent optional parameter undefined', () => {
    expect(grantParams(spec, { first: 'a' })).toStrictEqual({ first: 'a', second: undefined });
  });

  it('refuses a missing required parameter by name', () => {
    expect(fault({ second: 'x' })).toBe('first is required');
  });

  it('refuses a parameter longer than its limit by name', () => {
    expect(fault({ first: 'abcdef' })).toBe('first is too long');
    expect(fault({ first: 'a', second: 'abcd' })).toBe('second is too long');
  });

  it('reports the first fault in declaration order', () => {
    expect(fault({ second: 'abcd' })).toBe('first is required');
  });

  it('does not read inherited properties as parameters', () => {
    const params = Object.create({ refresh_token: 'inherited' }) as Record<string, string>;
    expect(() => grantParams(RefreshTokenParams, params)).toThrow('refresh_token is required');
  });
});
