/**
 * Passwords are checked in constant time: the derived key is compared with the stored one by
 * crypto.timingSafeEqual, both of the stored key's length, whatever the password's length.
 * node:crypto is wrapped to record the calls (and to overrule their answer) before the hasher is
 * imported.
 */
import { spyOnTimingSafeEqual } from '../../../../test/support/timing-safe-spy.js';

const spy = spyOnTimingSafeEqual();

const { decoyHash, hashPassword, verifyPassword } = await import('./password-hasher.js');

async function observe(password: string, stored: string) {
  spy.calls.length = 0;
  const valid = await verifyPassword(password, stored);
  return { valid, comparisons: spy.lengths() };
}

describe('verifyPassword compares in constant time', () => {
  let stored: string;
  beforeAll(async () => {
    stored = await hashPassword('correct horse battery staple');
  });
  afterEach(() => {
    spy.overrule = undefined;
  });

  it('compares the derived key with the stored one through one timingSafeEqual of 32 bytes each', async () => {
    expect(await observe('correct horse battery staple', stored)).toEqual({ valid: true, comparisons: [[32, 32]] });
  });

  it.each(['', 'x', 'correct horse battery stapl', 'correct horse battery staple!', 'é'.repeat(300)])(
    'refuses the wrong password %j after the same comparison',
    async (password) => {
      expect(await observe(password, stored)).toEqual({ valid: false, comparisons: [[32, 32]] });
    },
  );

  it('checks an unknown user against the decoy hash with the same comparison', async () => {
    expect(await observe('correct horse battery staple', await decoyHash())).toEqual({
      valid: false,
      comparisons: [[32, 32]],
    });
  });

  it('answers what timingSafeEqual answers, not what another comparison would', async () => {
    spy.overrule = false;
    expect((await observe('correct horse battery staple', stored)).valid).toBe(false);
    spy.overrule = true;
    expect((await observe('wrong password', stored)).valid).toBe(true);
  });
});
