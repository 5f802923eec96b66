/**
 * Every page of the dashboard, in navigation order. This list is the one place a page is added: the router
 * matches it, the navigation shows its `nav` entries, and the browser test (test/web/dashboard.test.ts) visits every
 * route here, so a page left out of the test fails it. Plain data, so that Node can import it too.
 */
export const ROUTES = [
  { id: 'overview', path: '/', title: 'Overview', nav: true },
  { id: 'segments', path: '/segments', title: 'Segments', nav: true },
  { id: 'audiences', path: '/audiences', title: 'Audiences', nav: true },
  { id: 'new-audience', path: '/new-audience', title: 'New audience', nav: false, parent: 'audiences' },
  { id: 'audience', path: '/audiences/:id', title: 'Audience', nav: false, parent: 'audiences' },
  { id: 'clusters', path: '/clusters', title: 'Clusters', nav: true },
  { id: 'behaviors', path: '/behaviors', title: 'Behaviors', nav: true },
  { id: 'movement', path: '/movement', title: 'Movement', nav: true },
  { id: 'campaigns', path: '/campaigns', title: 'Campaigns', nav: true },
  { id: 'new-campaign', path: '/new-campaign', title: 'New campaign', nav: false, parent: 'campaigns' },
  { id: 'campaign', path: '/campaigns/:id', title: 'Campaign', nav: false, parent: 'campaigns' },
  { id: 'campaign-results', path: '/campaigns/:id/results', title: 'Campaign results', nav: false, parent: 'campaigns' },
  { id: 'customers', path: '/customers', title: 'Customers', nav: true },
  { id: 'customer', path: '/customers/:id', title: 'Customer', nav: false, parent: 'customers' },
  { id: 'data', path: '/data', title: 'Data', nav: true },
  { id: 'import', path: '/data/imports/:id', title: 'Import', nav: false, parent: 'data' },
  { id: 'webhooks', path: '/webhooks', title: 'Webhooks', nav: true },
  { id: 'settings', path: '/settings', title: 'Settings', nav: true },
] as const satisfies ReadonlyArray<RouteDef>;

export interface RouteDef {
  id: string;
  /** Segments starting with `:` are parameters, e.g. `/audiences/:id`. */
  path: string;
  title: string;
  /** Shown in the navigation; a page without an entry names the `parent` entry it belongs to. */
  nav: boolean;
  parent?: string;
}

export type RouteId = (typeof ROUTES)[number]['id'];

export interface Match {
  route: RouteDef & { id: RouteId };
  params: Record<string, string>;
}

/** The route a path shows, with its parameters decoded; undefined for a path no page has. */
export function matchRoute(pathname: string): Match | undefined {
  const parts = pathname.split('/').filter(Boolean);
  for (const route of ROUTES) {
    const pattern = route.path.split('/').filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const fits = pattern.every((p, i) => {
      const part = parts[i]!;
      if (p.startsWith(':')) {
        params[p.slice(1)] = decodeURIComponent(part);
        return true;
      }
      return p === part;
    });
    if (fits) return { route, params };
  }
  return undefined;
}

/** The path of a route with its parameters filled in (encoded). */
export function pathOf(id: RouteId, params: Record<string, string> = {}): string {
  const route = ROUTES.find((r) => r.id === id)!;
  return route.path.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}
