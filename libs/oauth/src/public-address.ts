import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { BlockList, isIP } from 'node:net';

/**
 * Addresses an outgoing request chosen by a client's registration (a jwks_uri, a security_event_endpoint)
 * may not lead to unless the operator allows it: this host, private networks, link-local (cloud metadata
 * services), shared, multicast and reserved ranges (RFC 6890). IPv4-mapped IPv6 addresses are judged by
 * their IPv4 rules.
 */
const NOT_PUBLIC = (() => {
  const list = new BlockList();
  for (const [net, bits] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.0.2.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['198.51.100.0', 24],
    ['203.0.113.0', 24],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ] as const)
    list.addSubnet(net, bits, 'ipv4');
  for (const [net, bits] of [
    ['::', 128],
    ['::1', 128],
    ['64:ff9b::', 96],
    ['64:ff9b:1::', 48],
    ['100::', 64],
    ['2001:db8::', 32],
    ['fc00::', 7],
    ['fe80::', 10],
    ['ff00::', 8],
  ] as const)
    list.addSubnet(net, bits, 'ipv6');
  return list;
})();

/** An IP address outside every range above; anything that is not an IP address is not one. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return !NOT_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The host of a URL as DNS and isIP take it: an IPv6 literal without its brackets. */
export function bareHost(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/**
 * A host known not to be public before any DNS lookup: `localhost` and its subdomains (RFC 6761 6.3),
 * or an IP literal in a range above. Other names are judged by their DNS answers (publicOnlyLookup).
 */
export function isNonPublicHost(host: string): boolean {
  return /^localhost$|\.localhost$/i.test(host) || (isIP(host) !== 0 && !isPublicAddress(host));
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A DNS lookup for node:http(s) that refuses, as a whole, a name with any address that is not public,
 * with the error `refuse` makes: the connection then goes to an address that was checked, so a name that
 * changes its answer between a check and the connection (DNS rebinding) cannot lead inside.
 */
export function publicOnlyLookup(refuse: (hostname: string) => Error): LookupFunction {
  return (hostname, options, callback) => {
    const done = callback as LookupCallback;
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return done(err, []);
      if (addresses.some((a) => !isPublicAddress(a.address))) return done(refuse(hostname), []);
      if ((options as { all?: boolean }).all) return done(null, addresses);
      return done(null, addresses[0].address, addresses[0].family);
    });
  };
}
