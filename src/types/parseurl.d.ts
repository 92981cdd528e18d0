// Local declaration: parseurl ships no types and @types/parseurl is not installed.
declare module 'parseurl' {
  import type { IncomingMessage } from 'node:http';
  import type { Url } from 'node:url';

  /** The parsed URL of `req` (cached on it, as Express reads it); undefined when it has no url. */
  function parseurl(req: IncomingMessage): Url | undefined;
  namespace parseurl {
    /** The same for `req.originalUrl`. */
    function original(req: IncomingMessage): Url | undefined;
  }
  export = parseurl;
}
