import { optional, required } from '../grant-params.js';

/** RFC 7009 2.1 and RFC 7662 2.1: the token, and a hint of its type. */
export const TokenParams = { token: required(8192), token_type_hint: optional(64) };
