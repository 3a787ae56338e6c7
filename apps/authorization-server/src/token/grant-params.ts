import { InvalidRequestError } from '#oauth';
import type { TokenRequestParams } from './grant-handler.js';

/** One form parameter of a token-endpoint request: present or not, and its longest accepted length. */
export interface FormParam {
  required: boolean;
  maxLength: number;
}

export const required = (maxLength: number) => ({ required: true as const, maxLength });
export const optional = (maxLength: number) => ({ required: false as const, maxLength });

/** The parameters a spec declares, typed: required ones are strings, optional ones may be absent. */
export type FormParams<S extends Record<string, FormParam>> = {
  [K in keyof S]: S[K] extends { required: true } ? string : string | undefined;
};

/**
 * The parameters one grant (or endpoint) reads, checked in declaration order; the first fault is
 * the answer. Form values are strings already (FormBodyGuard), and unknown parameters are ignored
 * (RFC 6749 3.2). Plain checks rather than class-validator: this runs on every token request.
 */
export function grantParams<S extends Record<string, FormParam>>(spec: S, params: TokenRequestParams): FormParams<S> {
  const picked: Record<string, string | undefined> = {};
  for (const name of Object.keys(spec)) {
    const value = Object.hasOwn(params, name) ? params[name] : undefined;
    if (value === undefined) {
      if (spec[name].required) throw new InvalidRequestError(`${name} is required`);
    } else if (value.length > spec[name].maxLength) {
      throw new InvalidRequestError(`${name} is too long`);
    }
    picked[name] = value;
  }
  return picked as FormParams<S>;
}
