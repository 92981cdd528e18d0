/** The `contact_messages` table. */
import { insertedId, type Db } from '../platform/db.js';

export interface NewContactMessage {
  name: string;
  email: string;
  message: string;
  locale: string;
  ip: string;
  userAgent: string;
  createdAt: Date;
}

export class ContactRepository {
  constructor(private readonly db: Db) {}

  async insert(m: NewContactMessage): Promise<number> {
    return insertedId(await this.db('contact_messages')
      .insert({
        name: m.name,
        email: m.email,
        message: m.message,
        locale: m.locale,
        ip: m.ip,
        user_agent: m.userAgent.slice(0, 512),
        mail_status: 'pending',
        created_at: m.createdAt.toISOString(),
      })
      .returning('id'));
  }

  async setMailStatus(id: number, status: 'sent' | 'failed'): Promise<void> {
    await this.db('contact_messages').where({ id }).update({ mail_status: status });
  }
}
