import type { ComponentType } from 'react';
import type { RouteId } from '../routes.js';
import { OverviewPage } from './overview.js';

export interface PageProps {
  /** The route's path parameters, decoded (`id` of `/audiences/:id`). */
  params: Record<string, string>;
}

/** The component of every route; typed by the route list, so a route without a page does not compile. */
export const PAGES: Record<RouteId, ComponentType<PageProps>> = {
  overview: OverviewPage,
};
