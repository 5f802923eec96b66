import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DESTINATION_NAMES, DESTINATIONS, destinationOf, digitsPhone, e164Phone, sha256Hex, trimmedLowerEmail } from '../../src/activation/index.js';

/** SHA-256 worked out here, apart from the code under test. */
const sha = (text: string) => createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');

describe('hashing', () => {
  it('is lower-case hex SHA-256 (the FIPS 180-2 vector of "abc")', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it("matches TikTok's published hashed examples", () => {
    // ads.tiktok.com help, "How to create a Custom Audience with a customer file": email and phone examples.
    expect(sha256Hex(destinationOf('tiktok').email(' JaneDoe@gmail.com')!)).toBe('d6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69');
    expect(sha256Hex(destinationOf('tiktok').phone('+374 93 828222', 'AM')!)).toBe('65b7e6dcf6f4310f8d7cbfbd78289a753062fb054d6664fb9aaac5df66a422d4');
  });
});

describe('normalisation per destination', () => {
  it('has the names the CLI lists without loading a destination, in the registry order', () => {
    expect(DESTINATION_NAMES).toEqual(DESTINATIONS.map((d) => d.name));
  });

  const cases: Array<{ destination: string; email: string; phone: [string, string]; normalised: { email: string; phone: string } }> = [
    { destination: 'meta', email: '  Jane.Doe+News@Example.COM ', phone: ['06 12 34 56 78', 'FR'], normalised: { email: 'jane.doe+news@example.com', phone: '33612345678' } },
    { destination: 'google', email: 'Jane.Doe@GMAIL.com', phone: ['(657) 777-0000', 'US'], normalised: { email: 'jane.doe@gmail.com', phone: '+16577770000' } },
    { destination: 'tiktok', email: 'ZOE@example.org\t', phone: ['+44 7700 900123', 'FR'], normalised: { email: 'zoe@example.org', phone: '447700900123' } },
  ];

  it.each(cases)('$destination: email and phone as the platform documents, then SHA-256', ({ destination, email, phone, normalised }) => {
    const d = DESTINATIONS.find((x) => x.name === destination)!;
    expect(d.email(email)).toBe(normalised.email);
    expect(d.phone(...phone)).toBe(normalised.phone);
    expect(sha256Hex(d.email(email)!)).toBe(sha(normalised.email));
    expect(sha256Hex(d.phone(...phone)!)).toBe(sha(normalised.phone));
  });

  it('reads a national number with the customer country, and an international one whatever the country', () => {
    expect(e164Phone('0612345678', 'FR')).toBe('+33612345678');
    expect(e164Phone('0612345678', 'fr')).toBe('+33612345678');
    expect(e164Phone('+49 176 12345678', 'US')).toBe('+4917612345678');
    expect(digitsPhone('+1 657 777 0000', null)).toBe('16577770000');
  });

  it('leaves out what cannot be an identifier', () => {
    expect(e164Phone('0612345678', null)).toBeNull();
    expect(e164Phone('12', 'FR')).toBeNull();
    expect(e164Phone('  ', 'FR')).toBeNull();
    expect(e164Phone(null, 'FR')).toBeNull();
    expect(trimmedLowerEmail('not an email')).toBeNull();
    expect(trimmedLowerEmail('')).toBeNull();
    expect(trimmedLowerEmail(null)).toBeNull();
  });
});
