import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { ALL_SCOPES, type Scope } from '#app/common';

/** An API client's id and secret, exchanged for a console session. */
export class SignInDto {
  /** The client id (its HTTP Basic user name). */
  @IsString()
  @Length(1, 64)
  clientId: string;

  /** The client secret. */
  @IsString()
  @Length(1, 512)
  secret: string;
}

/** The signed-in console session. */
export class ConsoleSessionDto {
  clientId: string;
  name: string;
  @ApiProperty({ enum: ALL_SCOPES, isArray: true })
  scopes: Scope[];
  /** Send it in the `x-csrf-token` header with every change (POST, PUT, PATCH, DELETE) made with the session cookie. */
  csrfToken: string;
  /** The session ends after this many minutes without a request. */
  idleMinutes: number;
}
