/**
 * The PAYPAL_* keys of the configuration (read with the others in ./index.ts).
 * PayPal is configured when its client id, client secret and webhook id are
 * all set; none of them: the pay page does not offer PayPal; some of them only:
 * a configuration error naming the missing ones (a half-configured gateway
 * would take payments whose notifications it cannot verify).
 */
import { z } from 'zod';

/** PayPal's credentials and ids are letters, digits, `-` and `_` (webhook ids: letters and digits, PayPal's own pattern). */
const credential = z.string().trim().regex(/^[A-Za-z0-9_-]{1,200}$/, 'letters, digits, - and _ as shown in the PayPal developer dashboard');

/** The zod shape of the PAYPAL_* keys, spread into the configuration's schema. */
export const paypalKeys = {
  PAYPAL_CLIENT_ID: credential.optional(),
  PAYPAL_CLIENT_SECRET: credential.optional(),
  PAYPAL_ENVIRONMENT: z.enum(['sandbox', 'production']).default('sandbox'),
  PAYPAL_API_BASE: z.url({ protocol: /^https?$/ }).optional(),
  PAYPAL_WEBHOOK_ID: z.string().trim().regex(/^[A-Za-z0-9]{1,50}$/, 'the webhook id shown by PayPal (letters and digits)').optional(),
};

type PayPalKeys = z.infer<z.ZodObject<typeof paypalKeys>>;

/** PayPal's credentials (never logged nor shown), its environment and, for tests, the address of a local fake of its API. */
export interface PayPalConfig {
  clientId: string;
  clientSecret: string;
  environment: 'sandbox' | 'production';
  /** The webhook's id in PayPal's dashboard: verify-webhook-signature checks each notification against it. */
  webhookId: string;
  /** PAYPAL_API_BASE without its trailing slash: the SDK's requests go there instead of PayPal; undefined: PayPal itself. */
  apiBase: string | undefined;
}

/**
 * PayPal's configuration, undefined when none of its three keys is set.
 * @returns a problem line (`KEY: message`) when only some of them are.
 */
export function paypalConfig(e: PayPalKeys): PayPalConfig | undefined | string {
  const needed = { PAYPAL_CLIENT_ID: e.PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET: e.PAYPAL_CLIENT_SECRET, PAYPAL_WEBHOOK_ID: e.PAYPAL_WEBHOOK_ID };
  const missing = Object.entries(needed).filter(([, v]) => !v).map(([k]) => k);
  if (missing.length === 3) return undefined;
  if (missing.length > 0) return `${missing.join(', ')}: PayPal needs PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET and PAYPAL_WEBHOOK_ID together`;
  return {
    clientId: e.PAYPAL_CLIENT_ID!, clientSecret: e.PAYPAL_CLIENT_SECRET!, environment: e.PAYPAL_ENVIRONMENT, webhookId: e.PAYPAL_WEBHOOK_ID!,
    apiBase: e.PAYPAL_API_BASE?.replace(/\/+$/, ''),
  };
}
