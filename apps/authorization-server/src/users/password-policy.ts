import { BadRequestException } from '@nestjs/common';
import { NO_CONTROL_CHARACTERS } from '#oauth';

export const PASSWORD_MIN_CHARACTERS = 8;
/** UTF-8 bytes of the NFC form: the most a request can make scrypt read. */
export const PASSWORD_MAX_BYTES = 1024;

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
/** What a refused password is replaced by: bounded, and never the password of the decoy hash. */
const PLACEHOLDER = 'refused-password';

/**
 * The rules a password breaks, checked on what was presented. Control characters (Unicode Cc) are
 * refused because scrypt keys an HMAC with the password, padded with zero bytes: "pw" and "pw\0"
 * would verify alike. Lone surrogates would all be hashed as U+FFFD, so they are refused too.
 */
function brokenRule(password: string, nfc: string): string | null {
  if (LONE_SURROGATE.test(password)) return 'password must be valid Unicode text';
  if (!NO_CONTROL_CHARACTERS.test(password))
    return 'password must not contain control characters (U+0000 to U+001F, U+007F to U+009F)';
  if (Buffer.byteLength(nfc) > PASSWORD_MAX_BYTES)
    return `password must be at most ${PASSWORD_MAX_BYTES} bytes in UTF-8 (after Unicode NFC normalisation)`;
  return null;
}

/** What is hashed for a new password: its Unicode NFC form; a password breaking a rule is a 400 naming it. */
export function passwordToSet(password: string): string {
  const nfc = password.normalize('NFC');
  const rule = brokenRule(password, nfc);
  if (rule) throw new BadRequestException(rule);
  if ([...nfc].length < PASSWORD_MIN_CHARACTERS)
    throw new BadRequestException(`password must be at least ${PASSWORD_MIN_CHARACTERS} characters`);
  return nfc;
}

/**
 * The strings to check, in turn, against the stored hash when a password is presented: its NFC form,
 * then the form as typed when that differs (and is within the byte limit), because passwords set before
 * they were normalised were hashed as typed. A password that breaks a rule is `refused` (no user is
 * looked up) and gives as many placeholders, checked against the decoy hash: the scrypt work, and so
 * the time, depends on whether the input is NFC, never on which rule it breaks or on its length (scrypt
 * costs what N, r and p say; an input of at most 1,024 bytes only feeds one PBKDF2 pass).
 */
export function presentedPassword(password: string): { refused: boolean; forms: string[] } {
  const nfc = password.normalize('NFC');
  const forms = nfc === password || Buffer.byteLength(password) > PASSWORD_MAX_BYTES ? [nfc] : [nfc, password];
  if (brokenRule(password, nfc) !== null) return { refused: true, forms: forms.map(() => PLACEHOLDER) };
  return { refused: false, forms };
}
