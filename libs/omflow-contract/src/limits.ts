import type { UserField } from './user-fields.js';

/**
 * OMFLOW's column limits (omuser/models.py, per DESIGN.md), in characters. `ad_no` and
 * `extension_no` are not listed there; 50 and 20 are assumed, like OMFLOW's other short text
 * columns. `gender` is bounded by its values instead (GENDERS).
 */
export const USER_LIMITS = {
  username: 150,
  email: 254,
  nick_name: 50,
  ad_no: 50,
  company: 20,
  phone1: 20,
  phone2: 20,
  extension_no: 20,
} as const satisfies Record<Exclude<UserField, 'gender'>, number>;

/** Department `display_name`. */
export const GROUP_NAME_LIMIT = 20;

/** Django's EmailValidator, simplified: one @, a dotted domain, no spaces. */
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** Whether OMFLOW's model accepts `email` (its EmailField, within its column). */
export function isValidEmail(email: string): boolean {
  return email.length <= USER_LIMITS.email && EMAIL.test(email) && !email.includes('..');
}
