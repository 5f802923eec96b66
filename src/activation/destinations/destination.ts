/**
 * An ad platform's customer-list upload: the header of each identifier column of its file, and how it wants an email and
 * a phone normalised before they are hashed (SHA-256, lower-case hex). `source` is the page that documents the rules;
 * docs/exports.md records them.
 */
export interface Destination {
  name: string;
  label: string;
  source: string;
  headers: { email: string; phone: string };
  email(email: string | null): string | null;
  phone(phone: string | null, country: string | null): string | null;
}

export function defineDestination<const D extends Destination>(d: D): D {
  return d;
}
