/** The `maintenance_mode` table: one row (id 1), written only by MaintenanceService. */
import type { Db } from '../platform/db.js';
import { toDate } from '../platform/time.js';

export interface MaintenanceState {
  enabled: boolean;
  /** What visitors read on the 503 page besides the standard text; null: the standard text only. */
  message: string | null;
  setAt: Date | null;
  /** Who set it: a staff e-mail, or null (the command line). */
  setBy: string | null;
}

export const MAINTENANCE_OFF: Readonly<MaintenanceState> = Object.freeze({ enabled: false, message: null, setAt: null, setBy: null });

const ROW_ID = 1;

export class MaintenanceRepository {
  constructor(private readonly db: Db) {}

  with(trx: Db): MaintenanceRepository {
    return new MaintenanceRepository(trx);
  }

  /** The switch as stored; off when it was never set. */
  async read(): Promise<MaintenanceState> {
    const row = (await this.db('maintenance_mode').where({ id: ROW_ID }).first()) as Record<string, unknown> | undefined;
    if (!row) return { ...MAINTENANCE_OFF };
    return {
      enabled: Boolean(row.enabled),
      message: (row.message as string | null) ?? null,
      setAt: toDate(row.set_at),
      setBy: (row.set_by as string | null) ?? null,
    };
  }

  /** Set the switch (insert the row the first time, replace it after). */
  async write(state: { enabled: boolean; message: string | null; setBy: string | null }, now: Date): Promise<void> {
    await this.db('maintenance_mode')
      .insert({ id: ROW_ID, enabled: state.enabled, message: state.message, set_at: now.toISOString(), set_by: state.setBy })
      .onConflict('id').merge();
  }
}
