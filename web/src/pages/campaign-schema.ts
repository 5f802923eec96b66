import type { ApiError } from '../api/client.js';

/**
 * The campaign types and their content schemas as the server documents them (the request body of POST /v1/campaigns
 * in /docs/json, made from the zod schemas of src/campaigns/types): the editor draws its content fields from these,
 * so a field added to a type shows in the editor without a change here.
 */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  oneOf?: JsonSchema[];
  $ref?: string;
}

export interface OpenApiDoc {
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: JsonSchema }> } }>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export interface TypeSchema {
  type: string;
  /** The whole body for this type: its content, and the targeting, schedule, consent... every type shares. */
  body: JsonSchema;
  content: JsonSchema;
}

/** Each campaign type of the create route's body, in the server's order, with its content schema ($refs resolved). */
export function campaignTypes(doc: OpenApiDoc): TypeSchema[] {
  const resolve = (s: JsonSchema): JsonSchema => (s.$ref ? resolve(doc.components?.schemas?.[s.$ref.split('/').at(-1)!] ?? {}) : s);
  const body = resolve(doc.paths['/v1/campaigns']?.post?.requestBody?.content['application/json']?.schema ?? {});
  return (body.oneOf ?? []).map((option) => {
    const whole = deepResolve(option, resolve);
    return { type: String(whole.properties!.type!.enum![0]), body: whole, content: whole.properties!.content! };
  });
}

function deepResolve(s: JsonSchema, resolve: (s: JsonSchema) => JsonSchema): JsonSchema {
  const r = resolve(s);
  return {
    ...r,
    ...(r.properties ? { properties: Object.fromEntries(Object.entries(r.properties).map(([k, v]) => [k, deepResolve(v, resolve)])) } : {}),
    ...(r.items ? { items: deepResolve(r.items, resolve) } : {}),
  };
}

/** The choices a property of the body offers (`targeting.devices` → desktop, mobile, tablet), from its enum. */
export function choices(body: JsonSchema, path: string): string[] {
  let s: JsonSchema | undefined = body;
  for (const key of path.split('.')) s = s?.properties?.[key];
  return ((s?.items ?? s)?.enum ?? []).map(String);
}

/** A value filled with the schema's defaults: what a new campaign of a type starts from. */
export function defaults(s: JsonSchema): unknown {
  if (s.default !== undefined) return s.default;
  if (s.type === 'object') return Object.fromEntries(Object.entries(s.properties ?? {}).flatMap(([k, p]) => (defaults(p) === undefined ? [] : [[k, defaults(p)]])));
  if (s.type === 'array' && s.items?.type === 'object') return [defaults(s.items)];
  return undefined;
}

/**
 * The value as the API takes it: blank optional texts and lists left out, an optional object with nothing filled
 * left out. Required fields stay, even blank, so the server names them.
 */
export function cleaned(s: JsonSchema, value: unknown, required = true): unknown {
  if (s.type === 'object') {
    const v = (value ?? {}) as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, p] of Object.entries(s.properties ?? {})) {
      const c = cleaned(p, v[k], s.required?.includes(k) ?? false);
      if (c !== undefined) out[k] = c;
    }
    return !required && Object.keys(out).length === 0 ? undefined : out;
  }
  if (s.type === 'array') {
    const list = Array.isArray(value) ? value : [];
    const items = list.map((x) => cleaned(s.items ?? {}, x)).filter((x) => x !== undefined && x !== '');
    return items.length === 0 && !required ? undefined : items;
  }
  if (typeof value === 'string' && value.trim() === '' && !required) return undefined;
  return value;
}

/** The field label of a property name: `image_url` → "Image URL", `cta` → "Call to action". */
export function labelOf(name: string): string {
  const words: Record<string, string> = { cta: 'call to action', url: 'URL', id: 'id' };
  const text = name
    .split('_')
    .map((w) => words[w] ?? w)
    .join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The server's refusal split by the field each issue names (`content.headline`, `targeting.url_pattern`,
 * `targeting.audiences.include.0`): each field takes its own lines as it renders, and what no field took is shown
 * under the form.
 */
export class FieldErrors {
  private readonly lines: Array<{ path: string; text: string; taken: boolean }>;

  constructor(error: ApiError | undefined) {
    const details = error?.details ?? {};
    const issues = Array.isArray(details.issues) ? (details.issues as Array<{ path: string; message: string }>) : [];
    if (issues.length > 0) this.lines = issues.map((i) => ({ path: i.path.replace(/^body\.?/, ''), text: `${i.path.replace(/^body\.?/, '') || 'campaign'}: ${i.message}`, taken: false }));
    else if (error && typeof details.field === 'string') this.lines = [{ path: details.field, text: error.message, taken: false }];
    else this.lines = error ? [{ path: '', text: error.message, taken: false }] : [];
  }

  /** The lines for the field at `path`: those naming it or, unless `exact`, a part of it. */
  take(path: string, exact = false): string[] {
    const mine = this.lines.filter((l) => !l.taken && (l.path === path || (!exact && l.path.startsWith(`${path}.`))));
    for (const l of mine) l.taken = true;
    return mine.map((l) => l.text);
  }

  /** What no field took, once every field has rendered. */
  rest(): string[] {
    return this.lines.filter((l) => !l.taken).map((l) => l.text);
  }
}
