import { isNonPublicHost, isPublicAddress, publicOnlyLookup } from './public-address.js';

describe('isPublicAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254', // cloud metadata
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '192.0.2.10',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    'fc12::1',
    'ff02::1',
    '::ffff:127.0.0.1', // IPv4-mapped loopback
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '2001:db8::1',
    'not-an-address',
    '',
  ])('%s is not public', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '172.15.255.255',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
  ])('%s is public', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

describe('isNonPublicHost', () => {
  it.each(['localhost', 'LOCALHOST', 'api.localhost', '127.0.0.1', '10.0.0.1', '::1', '169.254.169.254', 'fd00::1'])(
    '%s is known not to be public before any lookup',
    (host) => {
      expect(isNonPublicHost(host)).toBe(true);
    },
  );

  it.each(['8.8.8.8', '2606:4700:4700::1111', 'receiver.example', 'localhost.example'])(
    '%s is left to its DNS answers',
    (host) => {
      expect(isNonPublicHost(host)).toBe(false);
    },
  );
});

describe('publicOnlyLookup', () => {
  const lookup = publicOnlyLookup((hostname) => new Error(`refused ${hostname}`));
  const resolve = (hostname: string, all: boolean) =>
    new Promise<{ err: Error | null; address: unknown }>((done) =>
      lookup(hostname, { all }, (err, address) => done({ err, address })),
    );

  it('refuses a name that resolves to a loopback address, with the error it was given', async () => {
    const { err } = await resolve('localhost', false);
    expect(err).toEqual(new Error('refused localhost'));
  });

  it('refuses it when all addresses are asked for, too', async () => {
    expect((await resolve('localhost', true)).err?.message).toBe('refused localhost');
  });

  it('passes a public literal through', async () => {
    const { err, address } = await resolve('8.8.8.8', false);
    expect(err).toBeNull();
    expect(address).toBe('8.8.8.8');
  });
});
