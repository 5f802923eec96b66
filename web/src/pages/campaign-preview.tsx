import { useEffect, useRef, useState } from 'react';
import { addStyles, renderers, type Shown } from '../../snippet/render.js';

/**
 * How the campaign shows on the storefront: the snippet's own renderers (web/snippet/render.ts) drawing into a frame
 * that stands in for a shop page, with the slots a page reserves for the bar and the hero. Nothing is sent from the
 * preview, and focus stays in the editor while it redraws.
 */
export function CampaignPreview({ campaign }: { campaign: Shown }) {
  const frame = useRef<HTMLIFrameElement>(null);
  const [closed, setClosed] = useState(false);
  const [shown, setShown] = useState<boolean | null>(null);
  useEffect(() => {
    const doc = frame.current?.contentDocument;
    if (!doc) return;
    doc.documentElement.lang = 'en';
    doc.title = 'Storefront preview';
    doc.head.replaceChildren();
    addStyles(doc);
    const page = doc.createElement('style');
    page.textContent = PAGE_STYLES;
    doc.head.append(page);
    doc.body.replaceChildren(...shopPage(doc));
    if (closed) return;
    const draw = renderers(doc, { event: () => undefined, closed: () => setClosed(true), focus: false })[campaign.type];
    setShown(draw ? draw(campaign) : false);
  }, [campaign, closed]);

  return (
    <div className="preview-box">
      <iframe ref={frame} title="Storefront preview" className="storefront-preview" data-testid="preview" />
      <p className="muted small" role="status">
        {closed ? (
          <>
            Closed in the preview, as a visitor would.{' '}
            <button type="button" className="quiet" onClick={() => setClosed(false)}>
              Show it again
            </button>
          </>
        ) : shown === false ? (
          'This type shows only on pages that reserve its slot.'
        ) : (
          'As the storefront snippet draws it; links are not followed here.'
        )}
      </p>
    </div>
  );
}

const PAGE_STYLES = `body{margin:0;font:15px/1.5 system-ui,sans-serif;color:#1f2937;background:#fff}
[data-segmint-bar]{height:44px;background:#f1f5f9}
header{padding:10px 16px;font-weight:700;border-bottom:1px solid #e5e7eb}
[data-segmint-hero]{height:240px;background:#e5e7eb;display:flex;align-items:center;justify-content:center;color:#4b5563}
main{padding:16px}main p{margin:0 0 8px}`;

/** A shop page in outline: the bar's slot, a header, the hero's slot (sized, as the snippet asks) and some text. */
function shopPage(doc: Document): HTMLElement[] {
  const el = (tag: string, text = '', attrs: Record<string, string> = {}) => {
    const node = doc.createElement(tag);
    node.textContent = text;
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    return node;
  };
  const main = el('main');
  main.append(el('p', 'Products of the shop, as on any of its pages.'), el('p', 'The campaign shows over or within the page as it will for visitors.'));
  return [el('div', '', { 'data-segmint-bar': '' }), el('header', 'Your shop'), el('div', "The page's own hero", { 'data-segmint-hero': '' }), main];
}
