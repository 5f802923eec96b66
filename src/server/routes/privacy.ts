import { z } from 'zod';
import { customerConsentSchema, customerExportSchema, erasureSchema, eraseCustomer, exportCustomer, setConsent } from '../../store/index.js';
import { audit } from '../api-keys.js';
import { keyOf } from '../auth.js';
import { customerParamsSchema } from '../schemas.js';
import { guarded, inWorkspace, type RouteContext, type ZodApp } from './context.js';

const consentUpdateSchema = z
  .strictObject({ email: z.boolean().optional(), sms: z.boolean().optional(), push: z.boolean().optional(), ads: z.boolean().optional() })
  .refine((c) => Object.keys(c).length > 0, 'give at least one channel: email, sms, push or ads');

/** Consent per channel, erasure and export of one customer's data. */
export function registerPrivacyRoutes(app: ZodApp, ctx: RouteContext): void {
  app.put(
    '/v1/customers/:id/consent',
    guarded('ingest:write', 'privacy', "Set a customer's consent per channel, stated now; channels left out keep their value. A customers file imported later changes it only where its row says a later consent_updated_at", {
      params: customerParamsSchema,
      body: consentUpdateSchema,
      response: { 200: customerConsentSchema },
    }, 'unchanged'),
    async (req) => ({
      customer_id: req.params.id,
      consent: await inWorkspace(ctx, req, async (store) => {
        const consent = await setConsent(store, req.params.id, req.body);
        // Rules may read consent (customer.consent_email): the customer is re-read into the live view.
        await ctx.workspaces.view(keyOf(req).workspace)?.refresh(store, [req.params.id]);
        return consent;
      }),
    }),
  );

  app.get(
    '/v1/customers/:id/export',
    guarded('admin', 'privacy', 'Everything the workspace holds on one customer, with when each consent was stated (consent_<channel>_at)', {
      params: customerParamsSchema,
      response: { 200: customerExportSchema },
    }),
    (req) => inWorkspace(ctx, req, (store) => exportCustomer(store, req.params.id)),
  );

  app.delete(
    '/v1/customers/:id',
    guarded('admin', 'privacy', 'Erase a customer everywhere and keep a tombstone so that re-imports do not bring them back; says how many rows went, per table', {
      params: customerParamsSchema,
      response: { 200: erasureSchema },
    }, 'unchanged'),
    async (req) => {
      const key = keyOf(req);
      // Experiment assignments still in memory are stored first, so the erasure reaches them too.
      await ctx.campaigns.flush(key.workspace);
      const erasure = await inWorkspace(ctx, req, async (store) => {
        // Live memberships left unsaved are stored first, so that the erasure's counts include them.
        await ctx.workspaces.saveView(key.workspace, store);
        const erased = await eraseCustomer(store, req.params.id);
        ctx.workspaces.view(key.workspace)?.forget(req.params.id);
        return erased;
      });
      // The audit entry says what was removed, never whom: the id is exactly what was asked to be forgotten.
      await audit(ctx.workspaces.control, { actor: key.id, action: 'customer.erase', workspace: key.workspace, details: { deleted: erasure.deleted } });
      return erasure;
    },
  );
}
