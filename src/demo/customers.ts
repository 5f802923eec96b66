import { csvField } from './csv-writer.js';
import { formatId } from './ids.js';
import { LIFECYCLE_MIX, PERSONA_BEHAVIOR, PERSONA_MIX, type Lifecycle, type Persona, type PersonaBehavior } from './personas.js';
import { WeightedTable, type Random } from './random.js';

export const CUSTOMER_COLUMNS = [
  'id',
  'email',
  'phone',
  'created_at',
  'country',
  'consent_email',
  'consent_sms',
  'consent_push',
  'consent_ads',
  'attributes',
] as const;

/** `shift`: the category a customer started browsing at the end of the window (behavior-shift.ts), empty for most. */
export const GROUND_TRUTH_COLUMNS = ['customer_id', 'persona', 'lifecycle', 'shift'] as const;

/** Where customers live, with the dialling code their fake phone numbers start with. */
export const COUNTRIES = new WeightedTable<readonly [string, string]>([
  [['US', '+1'], 30],
  [['GB', '+44'], 15],
  [['DE', '+49'], 12],
  [['FR', '+33'], 10],
  [['ES', '+34'], 7],
  [['IT', '+39'], 7],
  [['NL', '+31'], 6],
  [['SE', '+46'], 5],
  [['PL', '+48'], 4],
  [['IE', '+353'], 4],
]);

const GENDERS = WeightedTable.of({ f: 62, m: 35, x: 3 });

export interface Customer {
  id: string;
  email: string;
  persona: Persona;
  lifecycle: Lifecycle;
  behavior: PersonaBehavior;
  country: string;
  /** Empty when the customer gave none. */
  phone: string;
  consentEmail: boolean;
  consentSms: boolean;
  consentPush: boolean;
  consentAds: boolean;
  gender: string;
  ageBand: string;
}

/** The customer's static profile; `number` is 1-based and `width` pads it to fit the whole population. */
export function drawCustomer(rng: Random, number: number, width: number): Customer {
  const persona = PERSONA_MIX.pick(rng);
  const behavior = PERSONA_BEHAVIOR[persona];
  const [country, dialCode] = COUNTRIES.pick(rng);
  const phone = rng.chance(0.75) ? `${dialCode}${700_000_000 + rng.int(300_000_000)}` : '';
  const id = formatId('C', number, width);
  return {
    id,
    email: `${formatId('c', number, width)}@example.com`,
    persona,
    lifecycle: LIFECYCLE_MIX.pick(rng),
    behavior,
    country,
    phone,
    consentEmail: rng.chance(behavior.emailConsent),
    consentSms: phone !== '' && rng.chance(0.35),
    consentPush: rng.chance(0.45),
    consentAds: rng.chance(0.55),
    gender: GENDERS.pick(rng),
    ageBand: behavior.ageBands.pick(rng),
  };
}

export function customerCsvRow(customer: Customer, createdAt: string): string {
  const attributes = csvField(JSON.stringify({ gender: customer.gender, age_band: customer.ageBand }));
  return `${customer.id},${customer.email},${customer.phone},${createdAt},${customer.country},${customer.consentEmail},${customer.consentSms},${customer.consentPush},${customer.consentAds},${attributes}\n`;
}

export function groundTruthCsvRow(customer: Customer, shift: string): string {
  return `${customer.id},${customer.persona},${customer.lifecycle},${shift}\n`;
}
