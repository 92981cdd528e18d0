/** The `course_orders` table (written only through CourseOrdersService). */
import { insertedId, isSqlite, type Db } from '../platform/db.js';
import { toDate, toDateOrNull } from '../platform/time.js';

export interface CourseOrder {
  id: number;
  accountId: number;
  courseId: number;
  invoiceId: number;
  status: 'pending' | 'paid';
  paidAt: Date | null;
  createdAt: Date;
}

type Row = Record<string, unknown>;
const toOrder = (r: Row): CourseOrder => ({
  id: Number(r.id), accountId: Number(r.account_id), courseId: Number(r.course_id), invoiceId: Number(r.invoice_id),
  status: r.status === 'paid' ? 'paid' : 'pending', paidAt: toDateOrNull(r.paid_at), createdAt: toDate(r.created_at),
});

export class CourseOrdersRepository {
  constructor(private readonly db: Db) {}

  with(trx: Db): CourseOrdersRepository {
    return new CourseOrdersRepository(trx);
  }

  private async one(where: Record<string, unknown>, lock = false): Promise<CourseOrder | null> {
    const q = this.db('course_orders').where(where);
    if (lock && !isSqlite(this.db)) q.forUpdate();
    const r = (await q.first()) as Row | undefined;
    return r ? toOrder(r) : null;
  }

  byId(id: number): Promise<CourseOrder | null> {
    return this.one({ id });
  }

  byKey(key: string): Promise<CourseOrder | null> {
    return this.one({ idempotency_key: key });
  }

  byInvoice(invoiceId: number, lock = false): Promise<CourseOrder | null> {
    return this.one({ invoice_id: invoiceId }, lock);
  }

  async insert(o: { accountId: number; courseId: number; invoiceId: number; key: string }, now: Date): Promise<number> {
    return insertedId(await this.db('course_orders').insert({ account_id: o.accountId, course_id: o.courseId, invoice_id: o.invoiceId, status: 'pending',
      idempotency_key: o.key, created_at: now.toISOString() }).returning('id'));
  }

  async markPaid(id: number, now: Date): Promise<void> {
    await this.db('course_orders').where({ id, status: 'pending' }).update({ status: 'paid', paid_at: now.toISOString() });
  }
}
