import { ApiProperty } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { IsNotEmpty, IsString, MaxLength, validateSync } from 'class-validator';
import { flattenValidationErrors } from '#app/common';
import { MAX_PASSWORD_LENGTH, MAX_USERNAME_LENGTH } from './password-store.js';

/** What OMFLOW sends when a user logs in (seeds/000 "log in"). Unknown fields are ignored. */
export class AuthenticateRequestDto {
  /** The account, as synchronised to OMFLOW (compared case-insensitively). */
  @ApiProperty({ example: 'zhang.wei' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_USERNAME_LENGTH)
  username: string;

  /** The password the user typed. Never stored, logged or audited. */
  @ApiProperty({ example: 'correct horse battery staple', format: 'password' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_PASSWORD_LENGTH)
  password: string;
}

/** The login was accepted. */
export class AuthenticateSuccessDto {
  @ApiProperty({ enum: ['success'] })
  status: 'success';
}

/**
 * Reads OMFLOW's body by hand instead of through the global ValidationPipe: a malformed body
 * must still be answered in OMFLOW's contract (HTTP 200, `{"status":"fail"}`), not with the
 * bridge's 400, and a field OMFLOW might add one day must not break logins.
 */
export function parseAuthenticateRequest(
  body: unknown,
): { ok: true; value: AuthenticateRequestDto } | { ok: false; problems: string[]; username: string | null } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, problems: ['the body must be a JSON object {"username": "...", "password": "..."}'], username: null };
  }
  const dto = plainToInstance(AuthenticateRequestDto, {
    username: (body as Record<string, unknown>).username,
    password: (body as Record<string, unknown>).password,
  });
  const errors = validateSync(dto, { validationError: { target: false, value: false } });
  if (!errors.length) return { ok: true, value: dto };
  const username = typeof dto.username === 'string' ? dto.username.slice(0, MAX_USERNAME_LENGTH) : null;
  return { ok: false, problems: flattenValidationErrors(errors).flatMap((f) => f.problems), username };
}
