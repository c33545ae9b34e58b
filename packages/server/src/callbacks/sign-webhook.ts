import { createHmac } from 'node:crypto';

/**
 * Standard Webhooks v1 signature: `v1,` + base64 HMAC-SHA256 over
 * `${webhookId}.${timestampSeconds}.${body}`, keyed with the base64 part of `whsec_…`.
 */
export function signWebhook(secret: string, webhookId: string, timestampS: number, body: string): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  const mac = createHmac('sha256', key).update(`${webhookId}.${timestampS}.${body}`).digest('base64');
  return `v1,${mac}`;
}
