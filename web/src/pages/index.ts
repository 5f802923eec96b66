import type { ComponentType } from 'react';
import type { RouteId } from '../routes.js';
import { AudiencePage } from './audience.js';
import { AudiencesPage } from './audiences.js';
import { CampaignPage } from './campaign.js';
import { CampaignResultsPage } from './campaign-results.js';
import { CampaignsPage } from './campaigns.js';
import { BehaviorsPage } from './behaviors.js';
import { ClustersPage } from './clusters.js';
import { CustomerPage } from './customer.js';
import { CustomersPage } from './customers.js';
import { DataPage } from './data.js';
import { ImportPage } from './import.js';
import { MovementPage } from './movement.js';
import { NewCampaignPage } from './new-campaign.js';
import { NewAudiencePage } from './new-audience.js';
import { OverviewPage } from './overview.js';
import type { PageProps } from './page-props.js';
import { SegmentsPage } from './segments.js';
import { SettingsPage } from './settings.js';
import { WebhooksPage } from './webhooks.js';

/** The component of every route; typed by the route list, so a route without a page does not compile. */
export const PAGES: Record<RouteId, ComponentType<PageProps>> = {
  overview: OverviewPage,
  segments: SegmentsPage,
  audiences: AudiencesPage,
  'new-audience': NewAudiencePage,
  audience: AudiencePage,
  clusters: ClustersPage,
  behaviors: BehaviorsPage,
  movement: MovementPage,
  campaigns: CampaignsPage,
  'new-campaign': NewCampaignPage,
  campaign: CampaignPage,
  'campaign-results': CampaignResultsPage,
  customers: CustomersPage,
  customer: CustomerPage,
  data: DataPage,
  import: ImportPage,
  webhooks: WebhooksPage,
  settings: SettingsPage,
};
