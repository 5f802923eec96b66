import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import type { WebhookAddressPolicy } from '../../shared/config.js';
import { ValidationError } from '../../shared/errors.js';

/**
 * Which addresses a webhook may reach. A webhook URL is a request the server makes on a user's behalf: without a
 * limit it could reach the machine itself or the private network (cloud metadata at 169.254.169.254, an admin port).
 * `public` (the default) refuses both; `loopback` also allows this machine (tests, a local CRM bridge); `private`
 * allows every address. Set by SEGMINT_WEBHOOK_ADDRESSES.
 */
export type AddressPolicy = WebhookAddressPolicy;

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** Not reachable on the public internet: private, link-local, shared, reserved, multicast and unspecified ranges. */
const nonPublic = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) {
  nonPublic.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [['::', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) nonPublic.addSubnet(net, bits, 'ipv6');

/** The IPv4 address inside an IPv4-mapped IPv6 one (::ffff:10.0.0.1, or ::ffff:a00:1 as URLs write it), which reaches the same host. */
function unmapped(address: string): string {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (dotted) return dotted[1]!;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return address;
  const [hi, lo] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/** Why `policy` refuses this address, or undefined when it allows it. */
export function refusal(address: string, policy: AddressPolicy): string | undefined {
  const ip = unmapped(address.replace(/^\[|\]$/g, ''));
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (loopback.check(ip, family)) return policy === 'public' ? `${ip} is a loopback address` : undefined;
  if (nonPublic.check(ip, family)) return policy === 'private' ? undefined : `${ip} is a private or reserved address`;
  return undefined;
}

const HINT = 'SEGMINT_WEBHOOK_ADDRESSES=loopback or private allows it';

/** The URL parsed when it is http(s) with a host; a ValidationError naming `field` otherwise. */
export function parseWebhookUrl(text: string, field = 'url'): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ValidationError(`${field}: "${text}" is not a URL`, { field });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ValidationError(`${field}: must be http or https, not ${url.protocol}`, { field });
  if (url.username || url.password) throw new ValidationError(`${field}: must not hold a user name or password (the signature authenticates deliveries)`, { field });
  return url;
}

/**
 * Checks a webhook URL as the deliverer will reach it: http(s), and every address its host resolves to allowed by
 * `policy` (a hostname is resolved, since a public name may point at a private address).
 */
export async function checkWebhookUrl(text: string, policy: AddressPolicy, field = 'url'): Promise<URL> {
  const url = parseWebhookUrl(text, field);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await new Promise<LookupAddress[]>((resolve, reject) => dnsLookup(host, { all: true }, (err, found) => (err ? reject(err) : resolve(found))))).map((a) => a.address);
    } catch {
      throw new ValidationError(`${field}: host "${host}" does not resolve`, { field });
    }
  }
  for (const address of addresses) {
    const why = refusal(address, policy);
    if (why) throw new ValidationError(`${field}: refused, ${isIP(host) ? why : `${host} resolves to ${why}`} (${HINT})`, { field });
  }
  return url;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request that refuses the addresses `policy` refuses, so the address a delivery connects to is
 * the one checked (a name that resolved to a public address when the subscription was made may not any more).
 */
export function guardedLookup(policy: AddressPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, found) => {
      if (err) return callback(err, []);
      const why = found.map((a) => refusal(a.address, policy)).find(Boolean);
      if (why) return callback(Object.assign(new Error(`refused: ${hostname} resolves to ${why}`), { code: 'EREFUSED_ADDRESS' }), []);
      if (options.all) return callback(null, found);
      return callback(null, found[0]!.address, found[0]!.family);
    });
  };
}
