/**
 * 组织标识 (`{code}`): letters, digits, `_`, `.` and `-`, as WorkPlus codes and the emulator's
 * EMULATOR_ORG_CODE are spelt; never a dot segment.
 */
export const ORG_CODE_PATTERN = /^(?!\.\.?$)[A-Za-z0-9_.-]{1,64}$/;

/**
 * 雇员ID (`{employeeId}`): 32 hex digits from WorkPlus and the emulator, a number in the seed's
 * import answer; letters, digits, `_` and `-` at most (never a dot, a slash or an escape).
 */
export const EMPLOYEE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const EMPLOYEE_ID_RULE = 'employeeId must be 1 to 64 letters, digits, "_" or "-"';

/** A path segment that needs no encoding and that URL resolution leaves as it is. */
const SAFE_SEGMENT = /^(?!\.\.?$)[A-Za-z0-9_.-]{1,128}$/;

/**
 * `/v1/admin/organizations/{code}/{...segments}`. A dot segment (also `%2E%2E`, which URL
 * resolution decodes), a slash or a `?` would move the call elsewhere under the bridge's token,
 * so every part must match its alphabet, or this throws: callers refuse bad input first, this is
 * the last line.
 */
export function organizationPath(code: string, ...segments: string[]): string {
  if (!ORG_CODE_PATTERN.test(code)) throw new Error(`unsafe organisation code for a directory path: ${JSON.stringify(code.slice(0, 80))}`);
  for (const segment of segments) {
    if (!SAFE_SEGMENT.test(segment)) throw new Error(`unsafe segment for a directory path: ${JSON.stringify(segment.slice(0, 80))}`);
  }
  return `/v1/admin/organizations/${[code, ...segments].join('/')}`;
}
