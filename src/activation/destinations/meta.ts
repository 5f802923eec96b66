import { digitsPhone, trimmedLowerEmail } from '../normalise.js';
import { defineDestination } from './destination.js';

/** Meta (Facebook, Instagram) Custom Audiences from a customer list. */
export const meta = defineDestination({
  name: 'meta',
  label: 'Meta customer list',
  source: 'https://developers.facebook.com/docs/marketing-api/custom-audience-api',
  headers: { email: 'email', phone: 'phone' },
  email: trimmedLowerEmail,
  // Digits only, no symbols, letters or leading zeros, with the country code.
  phone: digitsPhone,
});
