/** What the router gives every page (index.ts registers them): in a module of its own, which the pages import. */
export interface PageProps {
  /** The route's path parameters, decoded (`id` of `/audiences/:id`). */
  params: Record<string, string>;
}
