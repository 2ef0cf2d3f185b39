/** @module proxy/identity/tenantId — validation of tenant ids (DNS-1123 labels), shared by every identity mode. */
import { ProxyError } from '../errors.ts';
import type { TenantId } from '../backends/types.ts';

/** RFC 1123 label as Kubernetes uses it (lowercase alphanumerics and "-", alphanumeric at both ends). */
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** What the caller sent, made printable and short for an error message. */
function shown(raw: string): string {
  const clipped = raw.length > 80 ? `${raw.slice(0, 80)}…` : raw;
  return JSON.stringify(clipped);
}

/**
 * Returns `raw` when it is a DNS-1123 label of at most `maxLength` characters; otherwise throws `InvalidTenantId`
 * saying which rule it broke. `source` names where the id came from, for the message.
 */
export function validateTenantId(raw: string, maxLength: number, source: string): TenantId {
  if (raw.length > maxLength) {
    throw new ProxyError(
      'InvalidTenantId',
      `Tenant id from ${source} is ${raw.length} characters long; at most ${maxLength} are allowed.`,
    );
  }
  if (!DNS1123_LABEL.test(raw)) {
    throw new ProxyError(
      'InvalidTenantId',
      `Tenant id ${shown(raw)} from ${source} is not a DNS-1123 label (lowercase a-z, 0-9 and "-", starting and ending with a letter or digit).`,
    );
  }
  return raw;
}
