/** @module analysis/report/page/write — writes the report page to a file, inlining small screenshots. */
import { readFileSync, statSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { renderReportPage } from './render.ts';
import type { ReportPageInput } from './types.ts';

/** Screenshots above this size are linked instead of inlined, so the page stays small enough to mail or attach. */
export const MAX_INLINE_IMAGE_BYTES = 1_500_000;

const IMAGE_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
};

/** A data: URI for a small PNG/JPEG file; undefined when it is missing, too big or not an image. */
export function inlineImageFile(path: string, baseDir: string): string | undefined {
  const type = IMAGE_TYPES[extname(path).toLowerCase()];
  if (!type) return undefined;
  const full = isAbsolute(path) ? path : resolve(baseDir, path);
  try {
    if (statSync(full).size > MAX_INLINE_IMAGE_BYTES) return undefined;
    return `data:${type};base64,${readFileSync(full).toString('base64')}`;
  } catch {
    return undefined;
  }
}

/** Renders and writes the page atomically (temp file + rename); returns its absolute path. */
export async function writeReportPage(path: string, input: ReportPageInput): Promise<string> {
  const out = resolve(path);
  const html = renderReportPage(input, { inlineImage: (p) => inlineImageFile(p, dirname(out)) });
  await mkdir(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  await writeFile(tmp, html);
  await rename(tmp, out);
  return out;
}
