import { NotFoundException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '#app/common';
import { DirectoryError } from '#app/hr-source';
import { WorkPlusCode, WorkPlusError } from '#app/workplus';
import { toProxyAnswer, UpstreamRefusal } from './proxy-envelope.filter.js';

describe('the WorkPlus transport of the proxy', () => {
  it("passes the directory's refusals through unchanged", () => {
    const envelope = { status: 202011, message: 'username zhangsan already exists.', result: null };
    expect(toProxyAnswer(new UpstreamRefusal(envelope))).toEqual({ httpStatus: 200, envelope });
    const unknown = { status: 777001, message: 'something new', result: { x: 1 } };
    expect(toProxyAnswer(new UpstreamRefusal(unknown))).toEqual({ httpStatus: 200, envelope: unknown });
    expect(toProxyAnswer(new UpstreamRefusal({ status: 400, message: 'invalid request.', result: null })).httpStatus).toBe(400);
  });

  it("does not pass on the directory's 10011: it concerns the bridge's token, not the caller's", () => {
    const answer = toProxyAnswer(new UpstreamRefusal({ status: WorkPlusCode.TokenNotFound, message: 'token not found.', result: null }));
    expect(answer.httpStatus).toBe(502);
    expect(answer.envelope.status).toBe(502);
  });

  it.each([
    ['unreachable', 502],
    ['timeout', 504],
    ['http', 502],
    ['garbage', 502],
    ['token', 502],
    ['cancelled', 503],
  ] as const)('answers a directory failure (%s) with %i in the envelope', (kind, status) => {
    const answer = toProxyAnswer(new DirectoryError(kind, 'detail'));
    expect(answer).toMatchObject({ httpStatus: status, envelope: { status, result: { reason: kind } } });
  });

  it("maps the bridge's own errors", () => {
    expect(toProxyAnswer(new AppError(ErrorCode.ValidationFailed, 'bad', { fields: [{ field: 'name', problems: ['x'] }] }))).toEqual({
      httpStatus: 400,
      envelope: { status: 400, message: 'bad', result: { fields: [{ field: 'name', problems: ['x'] }] } },
    });
    expect(toProxyAnswer(new AppError(ErrorCode.AuthRequired, 'no token'))).toMatchObject({ httpStatus: 401, envelope: { status: 10011 } });
    expect(toProxyAnswer(new AppError(ErrorCode.AuthForbidden, 'no scope'))).toMatchObject({ httpStatus: 403, envelope: { status: 403 } });
    expect(toProxyAnswer(new WorkPlusError(WorkPlusCode.OrganizationNotFound))).toMatchObject({ httpStatus: 200, envelope: { status: 208502 } });
    const internal = toProxyAnswer(new Error('ER_NO_SUCH_TABLE at /srv/bridge'));
    expect(internal.httpStatus).toBe(500);
    expect(JSON.stringify(internal)).not.toContain('ER_NO_SUCH_TABLE');
  });

  it('answers a 404 naming at most the path, never the query string', () => {
    const answer = toProxyAnswer(new NotFoundException('Cannot GET /v1/admin/organizations/acme?access_token=s3cret'));
    expect(answer).toEqual({ httpStatus: 404, envelope: { status: 404, message: 'Cannot GET /v1/admin/organizations/acme', result: null } });
  });
});
