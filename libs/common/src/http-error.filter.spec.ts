import { BadRequestException, NotFoundException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from './app-error.js';
import { toAppError } from './http-error.filter.js';

describe('HTTP exceptions as coded errors', () => {
  it("names the path of Nest's unknown-route 404, never its query string or fragment", () => {
    const error = toAppError(new NotFoundException('Cannot GET /api/v1/nothing?access_token=s3cret&x=1'));
    expect(error.code).toBe(ErrorCode.RouteNotFound);
    expect(error.message).toBe('Cannot GET /api/v1/nothing');
    expect(toAppError(new NotFoundException('Cannot DELETE /v1/admin/organizations/acme/?access_token=s3cret')).message).toBe(
      'Cannot DELETE /v1/admin/organizations/acme/',
    );
    expect(toAppError(new NotFoundException('Cannot POST /sync/x#access_token=s3cret')).message).toBe('Cannot POST /sync/x');
    expect(toAppError(new NotFoundException('Cannot GET /plain')).message).toBe('Cannot GET /plain');
  });

  it('keeps other messages as they are', () => {
    expect(toAppError(new NotFoundException('No such thing?')).message).toBe('No such thing?');
    expect(toAppError(new BadRequestException('Unexpected token } in JSON')).message).toMatch(/^The request body is not valid JSON/);
  });
});
