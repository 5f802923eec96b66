import { digitsPhone, trimmedLowerEmail } from '../normalise.js';
import { defineDestination } from './destination.js';

/**
 * TikTok Ads Manager customer file. Its hashed headers are Email_SHA256 and Phone_SHA256; the phone is hashed as digits
 * with the country code and no `+`, the form its own published hashed example (37493828222) takes.
 */
export const tiktok = defineDestination({
  name: 'tiktok',
  label: 'TikTok customer file',
  source: 'https://ads.tiktok.com/help/article/how-to-create-a-custom-audience-with-a-customer-file',
  headers: { email: 'Email_SHA256', phone: 'Phone_SHA256' },
  email: trimmedLowerEmail,
  phone: digitsPhone,
});
