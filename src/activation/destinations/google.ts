import { e164Phone, trimmedLowerEmail } from '../normalise.js';
import { defineDestination } from './destination.js';

/**
 * Google Ads Customer Match. Its file headers are "Email" and "Phone"; phones in E.164 with the `+`. Removing the dots of
 * gmail.com addresses is a rule of Campaign Manager 360's enhanced conversions, not of Customer Match, so it is not
 * applied here.
 */
export const google = defineDestination({
  name: 'google',
  label: 'Google Ads Customer Match',
  source: 'https://support.google.com/adwords/answer/7476159',
  headers: { email: 'Email', phone: 'Phone' },
  email: trimmedLowerEmail,
  phone: e164Phone,
});
