/**
 * How the storefront shows each campaign type: plain DOM into a given document, text always set as text (never as
 * HTML), so campaign content cannot inject markup. The snippet renders into the shop's page with it, and the
 * dashboard's editor into its preview frame, so the preview is what visitors see. Shapes mirror src/campaigns
 * (decisionSchema, campaignEventBatchSchema).
 */

export interface Cta {
  label: string;
  url?: string;
}
export interface Question {
  id: string;
  label: string;
  kind: 'text' | 'single_choice' | 'rating';
  options?: string[];
  required: boolean;
}
export interface Content {
  headline?: string;
  body?: string;
  message?: string;
  image_url?: string;
  image_alt?: string;
  cta?: Cta;
  email_label?: string;
  consent_text?: string;
  submit_label?: string;
  thank_you?: string;
  questions?: Question[];
  background?: string;
  color?: string;
}
export interface Shown {
  id: string;
  type: string;
  placement: string;
  variant: string;
  content: Content;
  consent: string | null;
  max_impressions: number;
}
export interface Submission {
  email?: string;
  answers?: Record<string, string | number>;
  consent: Record<string, boolean>;
  text_shown: string;
}
export type EventType = 'impression' | 'click' | 'dismiss' | 'submit' | 'conversion';

/** What a rendered campaign reports back: what the visitor did, and that it is closed for them (dismissed or sent). */
export interface RenderHooks {
  event: (c: Shown, type: EventType, submission?: Submission) => void;
  closed: (c: Shown) => void;
  /** Move focus into a dialog when it opens (and back after): the shop's page yes, the dashboard's preview no. */
  focus: boolean;
}

const STYLES = `.sgm-backdrop{position:fixed;inset:0;background:rgba(0,0,0,.45);display:flex;align-items:center;justify-content:center;z-index:2147483000;padding:16px}
.sgm-dialog{background:#fff;color:#111;max-width:440px;width:100%;border-radius:10px;padding:24px;position:relative;font:16px/1.45 system-ui,sans-serif;max-height:90vh;overflow:auto}
.sgm-dialog h2{margin:0 32px 8px 0;font-size:1.3em}.sgm-dialog img{max-width:100%;height:auto;border-radius:6px;margin-bottom:12px}
.sgm-close{position:absolute;top:8px;right:8px;background:none;border:0;font-size:24px;line-height:1;cursor:pointer;padding:6px 10px;color:inherit}
.sgm-btn{display:inline-block;background:#111;color:#fff;border:0;border-radius:6px;padding:10px 18px;font:inherit;cursor:pointer;text-decoration:none;margin-top:8px}
.sgm-field{display:block;margin:10px 0}.sgm-field input[type=email],.sgm-field input[type=text]{display:block;width:100%;box-sizing:border-box;padding:8px;font:inherit;border:1px solid #767676;border-radius:4px}
.sgm-dialog fieldset{border:0;padding:0;margin:10px 0}.sgm-dialog legend{font-weight:600}
.sgm-bar{position:fixed;left:0;right:0;bottom:0;z-index:2147482000;display:flex;gap:12px;align-items:center;justify-content:center;padding:10px 44px;font:15px/1.4 system-ui,sans-serif}
[data-segmint-bar] .sgm-bar{position:relative;height:100%;box-sizing:border-box}
.sgm-bar a{color:inherit;font-weight:600}.sgm-bar .sgm-close{top:50%;transform:translateY(-50%)}
.sgm-hero{position:relative;width:100%;height:100%;overflow:hidden;display:flex;align-items:flex-end}
.sgm-hero img{position:absolute;inset:0;width:100%;height:100%;object-fit:cover}
.sgm-hero div{position:relative;background:rgba(0,0,0,.55);color:#fff;padding:16px 20px;margin:16px;border-radius:8px;font:16px/1.4 system-ui,sans-serif}
.sgm-hero h2{margin:0 0 6px}.sgm-hero .sgm-btn{background:#fff;color:#111}
.sgm-close:focus-visible,.sgm-btn:focus-visible{outline:3px solid #2563eb;outline-offset:2px}`;

/**
 * The renderer of each type, into `doc`: true when it showed the campaign (a hero needs the page's
 * `[data-segmint-hero]` slot). Overlays are modal dialogs (focus kept inside, Escape, the close button and a click
 * outside dismiss); the bar goes into `[data-segmint-bar]` or fixed at the foot of the window.
 */
export function renderers(doc: Document, hooks: RenderHooks): Record<string, (c: Shown) => boolean> {
  function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
    const node = doc.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function ctaLink(c: Shown, cta: Cta, close: () => void): HTMLElement {
    const link = cta.url ? el('a', { href: cta.url, class: 'sgm-btn' }, cta.label) : el('button', { type: 'button', class: 'sgm-btn' }, cta.label);
    link.addEventListener('click', () => {
      hooks.event(c, 'click');
      if (!cta.url) close();
    });
    return link;
  }

  /** A modal dialog: focus moves in and is kept there, Escape and the close button dismiss it, focus returns after. */
  function dialog(c: Shown, fill: (box: HTMLElement, close: () => void, done: () => void) => void): void {
    const before = doc.activeElement as HTMLElement | null;
    const titleId = `sgm-t-${c.id}`;
    const backdrop = el('div', { class: 'sgm-backdrop', 'data-segmint-campaign': c.id, 'data-segmint-type': c.type });
    const box = el('div', { class: 'sgm-dialog', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': titleId });
    const closeButton = el('button', { type: 'button', class: 'sgm-close', 'aria-label': 'Close' }, '×');
    let open = true;
    const remove = () => {
      open = false;
      backdrop.remove();
      doc.removeEventListener('keydown', onKey, true);
      if (hooks.focus) before?.focus?.();
    };
    const close = () => {
      if (!open) return;
      hooks.event(c, 'dismiss');
      hooks.closed(c);
      remove();
    };
    function onKey(e: KeyboardEvent): void {
      if (e.key === 'Escape') close();
      if (e.key !== 'Tab') return;
      const focusable = [...box.querySelectorAll<HTMLElement>('a,button,input,select,textarea')].filter((f) => !f.hasAttribute('disabled'));
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      if (e.shiftKey && doc.activeElement === first) {
        e.preventDefault();
        last?.focus();
      } else if (!e.shiftKey && doc.activeElement === last) {
        e.preventDefault();
        first?.focus();
      }
    }
    closeButton.addEventListener('click', close);
    backdrop.addEventListener('click', (e) => e.target === backdrop && close());
    box.append(closeButton, el('h2', { id: titleId }, c.content.headline ?? ''));
    fill(box, close, () => hooks.closed(c));
    backdrop.append(box);
    doc.body.append(backdrop);
    doc.addEventListener('keydown', onKey, true);
    if (hooks.focus) (box.querySelector<HTMLElement>('input') ?? closeButton).focus();
  }

  function intro(box: HTMLElement, content: Content): void {
    if (content.image_url) box.append(el('img', { src: content.image_url, alt: content.image_alt ?? '' }));
    if (content.body) box.append(el('p', {}, content.body));
  }

  /** The form's fields, its submit button and a live region for the thank-you; `collect` reads what was entered. */
  function form(c: Shown, box: HTMLElement, fields: HTMLElement[], collect: (f: HTMLFormElement) => Submission, done: () => void): void {
    const f = el('form');
    const status = el('p', { role: 'status' });
    f.append(...fields, el('button', { type: 'submit', class: 'sgm-btn' }, c.content.submit_label ?? 'Send'));
    f.addEventListener('submit', (e) => {
      e.preventDefault();
      hooks.event(c, 'submit', collect(f));
      done();
      f.replaceWith(status);
      status.textContent = c.content.thank_you ?? '';
    });
    box.append(f, status);
  }

  function field(label: string, input: HTMLElement): HTMLElement {
    const wrap = el('label', { class: 'sgm-field' }, label);
    wrap.append(input);
    return wrap;
  }

  return {
    popup_banner: (c) => {
      dialog(c, (box, close) => {
        intro(box, c.content);
        if (c.content.cta) box.append(ctaLink(c, c.content.cta, close));
      });
      return true;
    },
    email_collection: (c) => {
      dialog(c, (box, _close, done) => {
        intro(box, c.content);
        const email = el('input', { type: 'email', name: 'email', required: '', autocomplete: 'email' });
        const consent = el('input', { type: 'checkbox', name: 'consent' });
        if (c.consent) consent.required = true;
        const consentLabel = el('label', { class: 'sgm-field' });
        consentLabel.append(consent, ` ${c.content.consent_text ?? ''}`);
        form(c, box, [field(c.content.email_label ?? 'Email', email), consentLabel], () => ({
          email: email.value.trim(),
          consent: c.consent ? { [c.consent]: consent.checked } : {},
          text_shown: [c.content.headline, c.content.body, c.content.consent_text].filter(Boolean).join('\n'),
        }), done);
      });
      return true;
    },
    form_survey: (c) => {
      dialog(c, (box, _close, done) => {
        intro(box, c.content);
        const questions = c.content.questions ?? [];
        const fields = questions.map((q) => {
          if (q.kind === 'text') return field(q.label, el('input', { type: 'text', name: q.id, ...(q.required ? { required: '' } : {}) }));
          const set = el('fieldset');
          set.append(el('legend', {}, q.label));
          const options = q.kind === 'rating' ? ['1', '2', '3', '4', '5'] : (q.options ?? []);
          for (const o of options) {
            const radio = el('input', { type: 'radio', name: q.id, value: o, ...(q.required ? { required: '' } : {}) });
            const label = el('label', { class: 'sgm-field' });
            label.append(radio, ` ${o}`);
            set.append(label);
          }
          return set;
        });
        form(c, box, fields, (f) => {
          const answers: Record<string, string | number> = {};
          const values = new FormData(f);
          for (const q of questions) {
            const v = values.get(q.id);
            if (typeof v === 'string' && v !== '') answers[q.id] = q.kind === 'rating' ? Number(v) : v;
          }
          return { answers, consent: {}, text_shown: [c.content.headline, ...questions.map((q) => q.label)].filter(Boolean).join('\n') };
        }, done);
      });
      return true;
    },
    notification_bar: (c) => {
      const bar = el('div', { class: 'sgm-bar', role: 'region', 'aria-label': 'Announcement', 'data-segmint-campaign': c.id, 'data-segmint-type': c.type });
      bar.style.background = c.content.background ?? '#1f2937';
      bar.style.color = c.content.color ?? '#fff';
      const closeButton = el('button', { type: 'button', class: 'sgm-close', 'aria-label': 'Close announcement' }, '×');
      const close = () => {
        hooks.event(c, 'dismiss');
        hooks.closed(c);
        bar.remove();
      };
      closeButton.addEventListener('click', close);
      bar.append(el('span', {}, c.content.message ?? ''));
      if (c.content.cta?.url) {
        const link = el('a', { href: c.content.cta.url }, c.content.cta.label);
        link.addEventListener('click', () => hooks.event(c, 'click'));
        bar.append(link);
      }
      bar.append(closeButton);
      // In the page's own slot when it reserves one, else fixed at the foot of the window: either way nothing moves.
      const slot = doc.querySelector('[data-segmint-bar]');
      if (slot) slot.replaceChildren(bar);
      else doc.body.append(bar);
      return true;
    },
    hero_banner: (c) => {
      // The page reserves the slot's size, so filling it moves nothing; a page without a slot shows no hero.
      const slot = doc.querySelector<HTMLElement>('[data-segmint-hero]');
      if (!slot) return false;
      const hero = el('section', { class: 'sgm-hero', 'aria-labelledby': `sgm-t-${c.id}`, 'data-segmint-campaign': c.id, 'data-segmint-type': c.type });
      const text = el('div');
      text.append(el('h2', { id: `sgm-t-${c.id}` }, c.content.headline ?? ''));
      if (c.content.body) text.append(el('p', {}, c.content.body));
      if (c.content.cta) text.append(ctaLink(c, c.content.cta, () => undefined));
      hero.append(el('img', { src: c.content.image_url ?? '', alt: c.content.image_alt ?? '' }), text);
      slot.replaceChildren(hero);
      return true;
    },
  };
}

/** The stylesheet the renderers need, added to `doc` once. */
export function addStyles(doc: Document): void {
  const style = doc.createElement('style');
  style.textContent = STYLES;
  doc.head.append(style);
}
