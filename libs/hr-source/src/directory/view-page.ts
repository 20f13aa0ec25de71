import type { UserField } from '#app/omflow-contract';
import { mapEmployee, type MappedEmployee } from '../employee-mapper.js';
import type { SourceObject } from '../hr-source.js';
import type { MappingConfig } from '../mapping.js';
import { mayHoldSecrets, scrubSecrets } from './scrub.js';

// Light imports only: the page-mapping worker thread (view-page.worker.ts) loads this file.

/**
 * One `/view` answer (a department's page of employees) as the directory source needs it: the
 * envelope's status and message, and each employee of the page already mapped; or why the page
 * cannot be used. The raw page never leaves the thread that parsed it.
 */
export type ViewPage =
  /** Not JSON, or JSON that is not a WorkPlus envelope (retried like any unparseable answer). */
  | { kind: 'garbage'; reason: 'not JSON' | 'not a WorkPlus envelope' }
  /** An envelope with a non-zero status (its message scrubbed of secrets). */
  | { kind: 'status'; status: number; message: string }
  /** Status 0, but `result` holds no view with an `employees` array. */
  | { kind: 'no-employees'; message: string }
  /** The page's employees, `count` of them; `missingId` when one of them has no string id (nothing is mapped then). */
  | { kind: 'page'; message: string; count: number; missingId: boolean; employees: MappedEmployee[] };

/** How a page is mapped: the run's mapping, and the OMFLOW user fields in the contract's order. */
export interface PageMapping {
  mapping: MappingConfig;
  fields: readonly UserField[];
}

/**
 * Parses one `/view` answer and maps its employees. `secrets` (the token and app secret the
 * call was made with) are scrubbed from the envelope, as DirectoryClient does for every answer.
 */
export function decodeViewPage(bytes: Uint8Array | ArrayBuffer, secrets: readonly string[], how: PageMapping): ViewPage {
  const text = new TextDecoder().decode(bytes);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { kind: 'garbage', reason: 'not JSON' };
  }
  // The test of #app/workplus isWorkPlusEnvelope (that library is not loaded in the worker thread).
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { kind: 'garbage', reason: 'not a WorkPlus envelope' };
  const envelope = body as { status?: unknown; message?: unknown; result?: unknown };
  if (typeof envelope.status !== 'number' || typeof envelope.message !== 'string' || !('result' in envelope))
    return { kind: 'garbage', reason: 'not a WorkPlus envelope' };
  const scrubbed = mayHoldSecrets(text, secrets) ? scrubSecrets(envelope, secrets) : envelope;
  const message = scrubbed.message as string;
  if (scrubbed.status !== 0) return { kind: 'status', status: scrubbed.status as number, message };
  const result = scrubbed.result;
  const view = Array.isArray(result) ? (result[0] as { employees?: unknown } | undefined) : undefined;
  if (!view || !Array.isArray(view.employees)) return { kind: 'no-employees', message };
  const raw = view.employees as unknown[];
  const ok = raw.every((e) => typeof e === 'object' && e !== null && typeof (e as { id?: unknown }).id === 'string');
  if (!ok) return { kind: 'page', message, count: raw.length, missingId: true, employees: [] };
  const employees = raw.map((employee, i) => mapEmployee(employee as SourceObject, i + 1, how.mapping, how.fields, false));
  return { kind: 'page', message, count: raw.length, missingId: false, employees };
}
