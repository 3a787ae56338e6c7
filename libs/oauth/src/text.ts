/**
 * Text a database can store and compare: no control characters (PostgreSQL refuses NUL, and no
 * identifier here has any use for them).
 */
export const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;

export function isStorableText(value: string, maxLength: number): boolean {
  return value.length <= maxLength && NO_CONTROL_CHARACTERS.test(value);
}
