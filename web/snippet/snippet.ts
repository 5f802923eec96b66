/**
 * The storefront snippet: `<script src="https://SEGMINT/snippet.js" data-key="STOREFRONT_KEY" async></script>`, with
 * optional `data-customer` (the signed-in customer), `data-page-type`, `data-country` and `data-timeout` (ms, default
 * 800). It asks /v1/decide what to show and renders it (render.ts); when decide does not answer within the budget it
 * gives up and the page stays as it is. Plain DOM, no framework, so it stays small.
 */
import { addStyles, renderers, type EventType, type Shown, type Submission } from './render.js';

interface Decision {
  campaigns: Shown[];
  held_out: Array<{ id: string; variant: string }>;
}
interface SentEvent {
  id: string;
  campaign_id: string;
  variant: string;
  type: EventType;
  url: string;
  revenue?: number;
  currency?: string;
  submission?: Submission;
}
/** What this browser remembers per campaign across page loads: impressions, closed, and the variant it saw. */
type Seen = Record<string, { n: number; closed?: boolean; variant: string }>;

const PREFIX = 'segmint.';
const script = document.currentScript as HTMLScriptElement | null;

function load<T>(name: string, fallback: T): T {
  try {
    const text = localStorage.getItem(PREFIX + name);
    return text ? (JSON.parse(text) as T) : fallback;
  } catch {
    return fallback;
  }
}
function save(name: string, value: unknown): void {
  try {
    localStorage.setItem(PREFIX + name, JSON.stringify(value));
  } catch {
    // Storage full or refused: the server's count still holds the cap.
  }
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** How the visitor arrived, from utm_medium and the referrer, in the channels decide targets. */
function channel(): string {
  const medium = new URLSearchParams(location.search).get('utm_medium') ?? '';
  if (/^(cpc|ppc|paid)/i.test(medium)) return 'paid';
  if (/email/i.test(medium)) return 'email';
  if (/social/i.test(medium)) return 'social';
  const ref = document.referrer ? new URL(document.referrer).hostname : '';
  if (!ref || ref === location.hostname) return 'direct';
  if (/(^|\.)(google|bing|duckduckgo|yahoo|ecosia)\./.test(ref)) return 'organic';
  if (/(^|\.)(facebook|instagram|t|x|twitter|pinterest|tiktok|linkedin)\./.test(ref)) return 'social';
  return 'referral';
}

function device(): string {
  const w = window.innerWidth;
  return w < 768 ? 'mobile' : w < 1024 && matchMedia('(pointer: coarse)').matches ? 'tablet' : 'desktop';
}

function start(): void {
  if (!script) return;
  const data = script.dataset;
  const api = new URL(script.src).origin;
  const key = data.key ?? '';
  const budget = Number(data.timeout ?? 800);
  const returning = load<string | null>('visitor', null) !== null;
  const visitor = load('visitor', randomId());
  save('visitor', visitor);
  const seen = load<Seen>('seen', {});
  const queue: SentEvent[] = [];
  let flushing = false;

  function flush(): void {
    flushing = false;
    if (queue.length === 0) return;
    const events = queue.splice(0, 100);
    const body = JSON.stringify({ visitor_id: visitor, ...(data.customer ? { customer_id: data.customer } : {}), events });
    // keepalive lets a click's event leave while the page navigates away.
    void fetch(`${api}/v1/campaign-events?key=${encodeURIComponent(key)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, keepalive: true }).catch(
      () => undefined,
    );
    if (queue.length) flush();
  }

  function send(c: { id: string; variant: string }, type: SentEvent['type'], extra: Partial<SentEvent> = {}): void {
    queue.push({ id: randomId(), campaign_id: c.id, variant: c.variant, type, url: location.href, ...extra });
    if (!flushing) {
      flushing = true;
      setTimeout(flush, 0);
    }
  }

  function remember(c: { id: string; variant: string }, change: (s: Seen[string]) => void): void {
    const s = seen[c.id] ?? { n: 0, variant: c.variant };
    change(s);
    seen[c.id] = s;
    save('seen', seen);
  }

  const render = renderers(document, {
    event: (c, type, submission) => send(c, type, submission ? { submission } : {}),
    closed: (c) => remember(c, (s) => (s.closed = true)),
    focus: true,
  });

  function show(decision: Decision): void {
    addStyles(document);
    for (const c of decision.campaigns) {
      const mine = seen[c.id];
      // The browser's own count keeps the cap even when the server has forgotten this visitor.
      if (mine && (mine.closed || mine.n >= c.max_impressions)) continue;
      const draw = render[c.type];
      if (!draw?.(c)) continue;
      send(c, 'impression');
      remember(c, (s) => {
        s.n++;
        s.variant = c.variant;
      });
    }
    for (const h of decision.held_out) {
      send(h, 'impression');
      remember(h, (s) => s.n++);
    }
  }

  const params = new URLSearchParams({ key, visitor, url: location.href, device: device(), returning: String(returning), channel: channel() });
  if (data.customer) params.set('customer', data.customer);
  if (data.pageType) params.set('page_type', data.pageType);
  if (data.country) params.set('country', data.country);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), budget);
  fetch(`${api}/v1/decide?${params.toString()}`, { signal: abort.signal })
    .then((r) => (r.ok ? (r.json() as Promise<Decision>) : undefined))
    .then((d) => {
      clearTimeout(timer);
      if (d) show(d);
    })
    // Slow, refused or offline: the page stays exactly as it is.
    .catch(() => undefined);

  /** For the shop's order confirmation: a conversion for each campaign this browser saw (its variant, or the holdout). */
  (window as unknown as { segmint: unknown }).segmint = {
    conversion(revenue: number, currency?: string): void {
      for (const [id, s] of Object.entries(seen)) send({ id, variant: s.variant }, 'conversion', { revenue, ...(currency ? { currency } : {}) });
    },
  };
}

start();
