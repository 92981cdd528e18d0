/** What every shop admin page shares: the render call with `canAct` (support reads only) and `money`. */
import type { Request, Response } from 'express';
import { canAct, moneyIn } from '../billing/render.js';

export { canAct, moneyIn };

/** Render `view` under views/admin/shop/ with `canAct` and `money`. */
export function renderShop(req: Request, res: Response, view: string, data: Record<string, unknown>, status = 200): void {
  res.status(status).render(`admin/shop/${view}`, { canAct: canAct(req), money: moneyIn(req), ...data });
}
