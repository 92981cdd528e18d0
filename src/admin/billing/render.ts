/**
 * What every billing admin page shares: the render call that adds the
 * "seller identity not configured" flag (views/admin/billing/_seller-notice.ejs)
 * and whether the viewer may act (support reads only).
 */
import type { Request, Response } from 'express';
import { formatMoney, type Currency } from '../../billing/index.js';
import type { Config } from '../../config/index.js';

/** admin and superadmin act on billing; support only reads. */
export function canAct(req: Request): boolean {
  return req.account?.role === 'admin' || req.account?.role === 'superadmin';
}

/** An amount in minor units as the page's language writes it ("1 234,50 €"). */
export function moneyIn(req: Request): (minor: number, currency: Currency) => string {
  const tag = req.locale === 'en' ? 'en-GB' : 'fr-FR';
  return (minor, currency) => formatMoney(minor, currency, tag);
}

/** A renderer of billing pages: `view` under views/admin/billing/, with `sellerConfigured`, `canAct` and `money`. */
export function billingRenderer(config: Readonly<Config>) {
  return (req: Request, res: Response, view: string, data: Record<string, unknown>, status = 200): void => {
    const common = { sellerConfigured: config.billing.sellerConfigured, canAct: canAct(req), money: moneyIn(req) };
    res.status(status).render(`admin/billing/${view}`, { ...common, ...data });
  };
}
