import { createHash } from 'node:crypto';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * The building blocks of the platforms' normalisation rules; each destination (destinations/*.ts) says which it uses,
 * with the page that documents it. Every function answers null for a value that cannot be made into an identifier, so
 * such a value is left out rather than hashed into something no platform can match.
 */

/** Leading and trailing white space removed, lower case: what every platform asks of an email. */
export function trimmedLowerEmail(email: string | null): string | null {
  const e = email?.trim().toLowerCase() ?? '';
  return /^[^@\s]+@[^@\s]+$/.test(e) ? e : null;
}

/**
 * The number in E.164 (`+` country code and national number), read with the customer's country (ISO 3166 alpha-2) when
 * it is written nationally (`06 12 34 56 78` in FR). Null when it is not a possible number of that country.
 */
export function e164Phone(phone: string | null, country: string | null): string | null {
  if (!phone?.trim()) return null;
  const region = country && /^[A-Za-z]{2}$/.test(country) ? (country.toUpperCase() as CountryCode) : undefined;
  const parsed = parsePhoneNumberFromString(phone, region);
  return parsed?.isPossible() ? parsed.number : null;
}

/** E.164 without its `+`: the digits with the country code, no leading zero, as Meta and TikTok's hashed files take it. */
export function digitsPhone(phone: string | null, country: string | null): string | null {
  return e164Phone(phone, country)?.slice(1) ?? null;
}

/** Lower-case hex SHA-256 of the UTF-8 text, unsalted, as every platform hashes. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
