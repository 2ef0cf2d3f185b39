/** @module proxy/k8s/naming — deterministic resource names and the labels/annotations every managed resource carries. */
import { createHash } from 'node:crypto';

/** Label the reference proxy selects its sandboxes by (kept identical for drop-in compatibility). */
export const MANAGED_LABEL = 'playwright-proxy/managed';
/** The standard managed-by label (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/). */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'rollout-sentinel';
/** Last activity any replica saw for the sandbox: milliseconds since the epoch, as a decimal string. */
export const LAST_ACTIVE_ANNOTATION = 'rollout-sentinel.io/last-active';
/** The replica (pod name) that wrote {@link LAST_ACTIVE_ANNOTATION}. */
export const LAST_ACTIVE_HOLDER_ANNOTATION = 'rollout-sentinel.io/last-active-holder';
/** The tenant id, verbatim (label values are capped at 63 characters; tenant ids are DNS-1123 labels, so they fit). */
export const TENANT_ANNOTATION = 'rollout-sentinel.io/tenant';

const PREFIX = 'pw-';
/** DNS-1123 label limit: the name becomes a pod hostname and, for KARS, part of a namespace name. */
const MAX_NAME = 63;

/**
 * `pw-<id>` as the reference proxy names it; when that would exceed `maxLength`, the id is cut and a hash of the full
 * id appended, so the name stays deterministic and distinct ids never collide.
 */
export function sandboxName(id: string, maxLength = MAX_NAME): string {
  const plain = `${PREFIX}${id}`;
  if (plain.length <= maxLength) return plain;
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 10);
  const keep = maxLength - PREFIX.length - hash.length - 1;
  return `${PREFIX}${id.slice(0, keep).replace(/-+$/, '')}-${hash}`;
}

/** Labels of a managed sandbox resource for tenant `id` (`labelKey` is the tenant label, default `playwright-id`). */
export function managedLabels(labelKey: string, id: string): Record<string, string> {
  return { [MANAGED_LABEL]: 'true', [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [labelKey]: id };
}

/** Label selector matching every resource {@link managedLabels} produced. */
export const MANAGED_SELECTOR = `${MANAGED_LABEL}=true,${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;

/** Reads the last-activity annotation, falling back to the creation time. */
export function lastActiveMs(meta: {
  annotations?: Record<string, string>;
  creationTimestamp?: string;
}): number {
  const raw = Number(meta.annotations?.[LAST_ACTIVE_ANNOTATION]);
  if (Number.isFinite(raw) && raw > 0) return raw;
  const created = Date.parse(meta.creationTimestamp ?? '');
  return Number.isFinite(created) ? created : 0;
}
