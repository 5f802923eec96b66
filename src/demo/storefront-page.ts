/** The sample storefront `segmint demo` serves at /storefront/demo: a plain shop page that loads the snippet. */

const PAGES = ['home', 'product', 'cart'] as const;
type DemoPage = (typeof PAGES)[number];

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function isDemoPage(page: string): page is DemoPage {
  return (PAGES as readonly string[]).includes(page);
}

/**
 * A shop page of type `page`, signed in as `customer` when given (a real shop writes its own signed-in customer into
 * `data-customer`). The hero slot reserves its height, so a hero banner fills it without moving anything.
 */
export function storefrontPage(options: { key: string; page: DemoPage; customer?: string | undefined; timeoutMs?: number | undefined }): string {
  const who = options.customer ? `&customer=${encodeURIComponent(options.customer)}` : '';
  const nav = PAGES.map((p) => `<a href="/storefront/demo?page=${p}${escapeHtml(who)}"${p === options.page ? ' aria-current="page"' : ''}>${p}</a>`).join(' · ');
  const attrs = [
    `data-key="${escapeHtml(options.key)}"`,
    `data-page-type="${options.page}"`,
    options.customer ? `data-customer="${escapeHtml(options.customer)}"` : '',
    options.timeoutMs ? `data-timeout="${options.timeoutMs}"` : '',
  ].filter(Boolean);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Segmint demo shop: ${options.page}</title>
<style>
body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#111}
header,main,footer{padding:12px 24px}header{display:flex;justify-content:space-between;border-bottom:1px solid #ddd}
[data-segmint-hero]{height:320px;background:#eef2f7;display:flex;align-items:center;justify-content:center}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:16px}
.card{border:1px solid #ddd;border-radius:8px;padding:12px}
button{font:inherit;padding:8px 14px;border-radius:6px;border:1px solid #111;background:#fff;cursor:pointer}
</style>
</head>
<body>
<header><strong>Demo fashion shop</strong><nav aria-label="Pages">${nav}</nav></header>
<div data-segmint-hero><p>New season, new looks.</p></div>
<main>
<h1>${options.page === 'cart' ? 'Your bag' : options.page === 'product' ? 'Linen shirt' : 'Welcome'}</h1>
<div class="grid">
${['Linen shirt', 'Leather sneakers', 'Wool coat', 'Silk scarf'].map((p, i) => `<div class="card"><h2>${p}</h2><p>€${49 + i * 30}</p><button type="button" data-add="${i}">Add to bag</button></div>`).join('\n')}
</div>
<p id="bag" role="status">Bag: 0 items</p>
</main>
<footer>Segmint storefront demo</footer>
<script src="/storefront/shop.js" defer></script>
<script src="/snippet.js" ${attrs.join(' ')} async></script>
</body>
</html>
`;
}

/** The demo shop's own script (its bag), kept apart from the snippet so that a broken snippet would show as a broken bag. */
export const SHOP_SCRIPT = `let n=0;for(const b of document.querySelectorAll('[data-add]'))b.addEventListener('click',()=>{n++;document.getElementById('bag').textContent='Bag: '+n+' item'+(n===1?'':'s');});`;

/** A hero image made of shapes, so the demo needs no network. */
export const HERO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="320" viewBox="0 0 1200 320"><rect width="1200" height="320" fill="#7c3aed"/><circle cx="980" cy="160" r="220" fill="#a78bfa"/><circle cx="200" cy="300" r="160" fill="#5b21b6"/></svg>`;
