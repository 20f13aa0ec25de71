import { describe, expect, it } from 'vitest';
import { importFormat, readImportRows } from './password-import.js';

const PBKDF2 = 'pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=';

describe('readImportRows', () => {
  it('takes a plain password or a Django hash per row, and refuses each bad row with its reason', () => {
    const { rows, refused } = readImportRows([
      { username: 'plain', password: 'p-1', mustChange: true },
      { username: ' hashed ', passwordHash: PBKDF2 },
      { username: 'both', password: 'p', passwordHash: PBKDF2 },
      { username: 'neither' },
      { username: 'empty-hash', passwordHash: '' },
      { username: 'unusable', passwordHash: '!Qx3kLm' },
      { username: 'unknown', passwordHash: 'MyPlainPassw0rd' },
      { username: 'HASHED', passwordHash: PBKDF2 },
      { username: 'extra', passwordHash: PBKDF2, salt: 'x' },
      'not a row',
    ]);
    expect(rows.map((r) => [r.index, r.username, importFormat(r.secret), r.mustChange])).toEqual([
      [0, 'plain', 'plain', true],
      [1, 'hashed', 'pbkdf2_sha256', false],
    ]);
    expect(Object.fromEntries(refused.map((r) => [r.index, r.problems]))).toEqual({
      2: ['give either password or passwordHash, not both'],
      3: ['password (or passwordHash) must be a non-empty string'],
      4: ['passwordHash must be a non-empty string'],
      5: ['passwordHash is an unusable Django password (it starts with "!"): nothing to import'],
      6: [expect.stringMatching(/^passwordHash is not a Django hash the bridge reads/)],
      7: ['username repeats row 1 (usernames are case-insensitive)'],
      8: ['unknown field(s): salt'],
      9: ['the row must be an object {"username", "password" or "passwordHash", "mustChange"?}'],
    });
    expect(JSON.stringify(refused)).not.toMatch(/MyPlainPassw0rd|seasalt|Qx3kLm/);
  });
});
