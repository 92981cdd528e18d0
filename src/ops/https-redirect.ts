/**
 * HTTPS_REDIRECT=1: the app itself sends plain-HTTP requests to https (a host
 * with a TLS terminator that does not redirect). A request is plain HTTP as
 * Express's req.protocol judges it: the socket is not TLS and, when the
 * immediate peer is a trusted proxy (TRUST_PROXY), X-Forwarded-Proto's first
 * value is not https. GET and HEAD get 301; other methods 308, which keeps
 * the method and body. /healthz, /readyz and /metrics are answered over
 * HTTP: monitors and Prometheus reach the app directly on loopback.
 *
 * The target's host is BASE_URL's when it is an https URL (a Host header is
 * the client's to write), else the request's Host header when it is a host name.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';

const EXEMPT = new Set(['/healthz', '/readyz', '/metrics']);
const HOST = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(:\d{1,5})?$/i;

export type TrustFn = (address: string, hop: number) => boolean;

/** The protocol Express's req.protocol would give. */
function protocolOf(req: IncomingMessage, trust: TrustFn): string {
  const own = (req.socket as TLSSocket).encrypted ? 'https' : 'http';
  if (!trust(req.socket.remoteAddress ?? '', 0)) return own;
  const header = req.headers['x-forwarded-proto'];
  const value = (Array.isArray(header) ? header[0] : header) ?? own;
  return value.split(',')[0]!.trim().toLowerCase();
}

/**
 * Returns a function that answers a plain-HTTP request with its redirect
 * (true: answered) or leaves it (false). `trust`: the app's `trust proxy fn`.
 */
export function createHttpsRedirect(baseUrl: string, trust: () => TrustFn): (req: IncomingMessage, res: ServerResponse) => boolean {
  const fixedHost = baseUrl.startsWith('https://') ? new URL(baseUrl).host : null;
  return (req, res) => {
    const target = req.url ?? '/';
    const pathname = target.split('?')[0]!;
    if (EXEMPT.has(pathname) || protocolOf(req, trust()) === 'https') return false;
    const host = fixedHost ?? req.headers.host ?? '';
    if (!target.startsWith('/') || !HOST.test(host)) {
      res.statusCode = 400;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end('Bad Request\n');
      return true;
    }
    res.statusCode = req.method === 'GET' || req.method === 'HEAD' ? 301 : 308;
    res.setHeader('Location', `https://${host}${target}`);
    res.setHeader('Content-Length', '0');
    res.end();
    return true;
  };
}
