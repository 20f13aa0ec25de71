import type { ArgumentsHost } from '@nestjs/common';
import { NotFoundException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { OmflowEnvelopeFilter } from './omflow-envelope.filter.js';
import type { QueryAudit } from './query-audit.js';

/** The filter's answer and audit record for one exception, through a stub request and Fastify reply. */
async function answerTo(exception: unknown): Promise<{ status: number; body: unknown; audited: unknown[] }> {
  const audited: unknown[] = [];
  const audit = { record: (...args: unknown[]) => (audited.push(args), Promise.resolve()) } as unknown as QueryAudit;
  let status = 0;
  let sent: (body: unknown) => void = () => undefined;
  const body = new Promise<unknown>((resolve) => (sent = resolve));
  const reply = {
    sent: false,
    raw: { headersSent: false },
    headers() {
      return this;
    },
    status(code: number) {
      status = code;
      return this;
    },
    send: (value: unknown) => sent(value),
  };
  const request = { id: 'req-1', method: 'GET', url: '/rest/accounts/api/nothing?access_token=s3cret' };
  const host = { switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }) } as unknown as ArgumentsHost;
  new OmflowEnvelopeFilter(audit).catch(exception, host);
  const answered = await body;
  return { status, body: answered, audited };
}

describe('the OMFLOW envelope filter', () => {
  it('answers a 404 naming at most the path, in the answer and in the audit trail', async () => {
    const { status, body, audited } = await answerTo(new NotFoundException('Cannot GET /rest/accounts/api/nothing?access_token=s3cret'));
    expect(status).toBe(200);
    expect(body).toEqual({ status: 404, message: 'Query failed: Cannot GET /rest/accounts/api/nothing', result: null });
    expect(JSON.stringify(audited)).not.toContain('s3cret');
  });
});
