/** The audit actor of a request: the logged-in account (if any), its IP and user agent. */
import type { Request } from 'express';
import type { Actor } from '../audit/index.js';

export function actorOf(req: Request): Actor {
  return {
    id: req.account?.id ?? null,
    email: req.account?.email ?? null,
    ip: req.ip ?? null,
    userAgent: req.get('user-agent')?.slice(0, 512) ?? null,
  };
}
