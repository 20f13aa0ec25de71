import { describe, expect, it } from 'vitest';
import { mayHoldSecrets, REDACTED, scrubSecrets, scrubText } from './scrub.js';

const TOKEN = 'a076994f2253efe6f9a6a47d2bf05021';

describe('scrubbing the directory secrets from upstream text', () => {
  it('replaces every access_token value of a query string, whatever the token', () => {
    expect(scrubText('Cannot DELETE /v1/admin/organizations/acme/?access_token=abc&x=1', [])).toBe(
      `Cannot DELETE /v1/admin/organizations/acme/?access_token=${REDACTED}&x=1`,
    );
    expect(scrubText('see ACCESS_TOKEN=abc#frag and access_token=', [])).toBe(`see ACCESS_TOKEN=${REDACTED}#frag and access_token=`);
  });

  it('replaces the known secrets wherever they appear, also URL-encoded', () => {
    expect(scrubText(`token ${TOKEN} expired`, [TOKEN])).toBe(`token ${REDACTED} expired`);
    expect(scrubText('secret ab+cd/ef== and ab%2Bcd%2Fef%3D%3D', ['ab+cd/ef=='])).toBe(`secret ${REDACTED} and ${REDACTED}`);
  });

  it('leaves short secrets alone (they would rewrite ordinary data) and text without secrets unchanged', () => {
    expect(scrubText('the name is abc', ['abc'])).toBe('the name is abc');
    expect(scrubText('张三 zhangsan@example.com', [TOKEN])).toBe('张三 zhangsan@example.com');
  });

  it('walks every string and key of an answer', () => {
    const answer = {
      status: 404,
      message: `Cannot GET /x?access_token=${TOKEN}`,
      result: { list: [`echo ${TOKEN}`, 3, null, true], [`key-${TOKEN}`]: { deep: TOKEN } },
    };
    const scrubbed = scrubSecrets(answer, [TOKEN]);
    expect(JSON.stringify(scrubbed)).not.toContain(TOKEN);
    expect(scrubbed).toEqual({
      status: 404,
      message: `Cannot GET /x?access_token=${REDACTED}`,
      result: { list: [`echo ${REDACTED}`, 3, null, true], [`key-${REDACTED}`]: { deep: REDACTED } },
    });
  });

  it('tells which raw answers need the walk, seeing through JSON escapes', () => {
    expect(mayHoldSecrets('{"status":0,"message":"ok","result":[{"name":"张三","id":"fdf8"}]}', [TOKEN])).toBe(false);
    expect(mayHoldSecrets('{"name":"\\u5f20\\u4e09"}', [TOKEN])).toBe(false);
    expect(mayHoldSecrets('{"name":"\\u00e9\\u0089"}', [TOKEN])).toBe(false);
    expect(mayHoldSecrets('{"name":"\\u00e9\\u0041"}', [TOKEN])).toBe(true);
    expect(mayHoldSecrets(`{"message":"Cannot GET /x?access_token=${TOKEN}"}`, [])).toBe(true);
    expect(mayHoldSecrets('{"message":"Cannot GET /x?\\u0061ccess_token=abc"}', [])).toBe(true);
    expect(mayHoldSecrets('{"message":"Cannot GET \\/x"}', [])).toBe(true);
    expect(mayHoldSecrets(`{"message":"${TOKEN}"}`, [TOKEN])).toBe(true);
    expect(mayHoldSecrets('{"message":"ab%2Bcd%2Fef%3D%3D"}', ['ab+cd/ef=='])).toBe(true);
  });
});
