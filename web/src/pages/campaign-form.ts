import type { Campaign, CampaignBody } from '../api/types.js';
import type { Shown } from '../../snippet/render.js';
import { cleaned, defaults, type TypeSchema } from './campaign-schema.js';

/** The editor's state: inputs as typed (numbers and lists as text), turned into the API's body by `bodyOf`. */
export interface CampaignForm {
  type: string;
  name: string;
  priority: string;
  content: Record<string, unknown>;
  include: string[];
  exclude: string[];
  devices: string[];
  page_types: string;
  url_pattern: string;
  countries: string;
  visitor: string;
  channels: string[];
  start_at: string;
  end_at: string;
  max_impressions: string;
  /** '' is the type's default, 'none' asks for none. */
  consent: string;
  variants: Array<{ id: string; weight: string; content: string }>;
  holdout: string;
  /** What counts as a conversion, and what the experiment is sized for; blank: the server's defaults. */
  goal_event: string;
  window_days: string;
  minimum_effect: string;
  baseline_rate: string;
  planned_exposures: string;
}

export function newForm(t: TypeSchema): CampaignForm {
  return {
    type: t.type,
    name: '',
    priority: '0',
    content: (defaults(t.content) ?? {}) as Record<string, unknown>,
    include: [],
    exclude: [],
    devices: [],
    page_types: '',
    url_pattern: '',
    countries: '',
    visitor: 'any',
    channels: [],
    start_at: '',
    end_at: '',
    max_impressions: '3',
    consent: '',
    variants: [],
    holdout: '0',
    goal_event: '',
    window_days: '',
    minimum_effect: '',
    baseline_rate: '',
    planned_exposures: '',
  };
}

/** `2026-12-01 09:00:00` (UTC, as stored) as a datetime-local input holds it. */
const localOf = (t: string | undefined): string => (t ? t.replace(' ', 'T') : '');

export function formOf(c: Campaign): CampaignForm {
  const t = c.targeting;
  return {
    type: c.type,
    name: c.name,
    priority: String(c.priority),
    content: c.content,
    include: t.audiences.include,
    exclude: t.audiences.exclude,
    devices: t.devices ?? [],
    page_types: (t.page_types ?? []).join(', '),
    url_pattern: t.url_pattern ?? '',
    countries: (t.countries ?? []).join(', '),
    visitor: t.visitor,
    channels: t.channels ?? [],
    start_at: localOf(c.schedule.start_at),
    end_at: localOf(c.schedule.end_at),
    max_impressions: String(c.frequency_cap.max_impressions),
    consent: c.consent ?? 'none',
    variants: (c.experiment?.variants ?? []).map((v) => ({ id: v.id, weight: String(v.weight), content: v.content ? JSON.stringify(v.content, null, 1) : '' })),
    holdout: String(c.experiment?.holdout ?? 0),
    goal_event: c.experiment?.goal.event ?? '',
    window_days: text(c.experiment?.goal.window_days),
    minimum_effect: text(c.experiment?.plan.minimum_effect),
    baseline_rate: text(c.experiment?.plan.baseline_rate),
    planned_exposures: text(c.experiment?.plan.planned_exposures),
  };
}

const text = (n: number | undefined): string => (n === undefined ? '' : String(n));
const list = (text: string): string[] | undefined => {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
};
const number = (text: string): number | undefined => (text.trim() === '' ? undefined : Number(text));

/** A variant's content changes as JSON; text that is not JSON goes as it is, so the server names the field. */
function variantContent(text: string): Record<string, unknown> | undefined {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return text as unknown as Record<string, unknown>;
  }
}

/** The body of POST /v1/campaigns (or PUT): only what was filled in, everything else left to the server's defaults. */
export function bodyOf(f: CampaignForm, t: TypeSchema): CampaignBody {
  return {
    type: f.type as CampaignBody['type'],
    name: f.name,
    priority: number(f.priority),
    content: cleaned(t.content, f.content) as Record<string, unknown>,
    targeting: {
      audiences: { include: f.include, exclude: f.exclude },
      devices: f.devices.length ? (f.devices as Array<'desktop'>) : undefined,
      page_types: list(f.page_types),
      url_pattern: f.url_pattern || undefined,
      countries: list(f.countries),
      visitor: f.visitor as 'any',
      channels: f.channels.length ? (f.channels as Array<'direct'>) : undefined,
    },
    schedule: { start_at: f.start_at || undefined, end_at: f.end_at || undefined },
    frequency_cap: { max_impressions: number(f.max_impressions) ?? Number.NaN },
    consent: f.consent === '' ? undefined : f.consent === 'none' ? null : (f.consent as 'email'),
    experiment: f.variants.length
      ? {
          variants: f.variants.map((v) => ({ id: v.id, weight: number(v.weight) ?? Number.NaN, content: variantContent(v.content) })),
          holdout: number(f.holdout) ?? 0,
          goal: { event: (f.goal_event || undefined) as 'order' | undefined, window_days: number(f.window_days) },
          plan: { minimum_effect: number(f.minimum_effect), baseline_rate: number(f.baseline_rate), planned_exposures: number(f.planned_exposures) },
        }
      : undefined,
  };
}

/**
 * The campaign as decide would hand it to the snippet, for the preview: the content as it will be sent, with the
 * variant's changes over it.
 */
export function shownOf(f: CampaignForm, t: TypeSchema, variant: number): Shown {
  const v = f.variants[variant];
  const changes = v ? variantContent(v.content) : undefined;
  const content = { ...(cleaned(t.content, f.content) as object), ...(typeof changes === 'object' ? changes : {}) };
  // Only the email form reads the consent (its checkbox is required with one), and email is that type's default.
  const consent = f.consent === 'none' ? null : f.consent || 'email';
  return { id: 'preview', type: f.type, placement: '', variant: v?.id ?? 'default', content, consent, max_impressions: number(f.max_impressions) ?? 1 };
}
