import { Body, Controller, Delete, Get, HttpCode, Inject, NotFoundException, Post, Req, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { AnyClientAuth, AppError, ErrorBodyDto, ErrorCode, Public } from '#app/common';
import { ConsoleSessionDto, SignInDto } from './console-session.dto.js';
import { ConsoleSessionService, cookieValue, SESSION_COOKIE, type OpenSession } from './console-session.service.js';

/**
 * The operator console's sign-in: an API client's id and secret for an HttpOnly, SameSite=Strict
 * session cookie (Secure over TLS). With the cookie, the bridge's API answers the console as it
 * answers the client's bearer token (same scopes); changes also need the `x-csrf-token` header.
 */
@ApiTags('Access: console sessions')
@Controller('api/v1/console/session')
export class ConsoleSessionController {
  constructor(
    private readonly sessions: ConsoleSessionService,
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
  ) {}

  @Post()
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: "Sign in to the console with an API client's id and secret (sets the session cookie)" })
  @ApiOkResponse({ type: ConsoleSessionDto })
  @ApiUnauthorizedResponse({ description: 'Wrong, unknown or revoked client.', type: ErrorBodyDto })
  @ApiNotFoundResponse({ description: 'The console is turned off (CONSOLE_ENABLED=false).', type: ErrorBodyDto })
  async signIn(@Body() body: SignInDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<ConsoleSessionDto> {
    this.enabled();
    const signed = await this.sessions.signIn(body.clientId, body.secret, req.ip ?? null);
    if (!signed) throw new AppError(ErrorCode.AuthRequired, 'The client id or secret is wrong, or the client is revoked.');
    void reply.header('set-cookie', this.cookie(req, signed.cookie, null));
    return toSessionDto(signed.session);
  }

  @Get()
  @Public()
  @ApiOperation({ summary: 'The console session of the cookie sent, with its CSRF token' })
  @ApiOkResponse({ type: ConsoleSessionDto })
  @ApiUnauthorizedResponse({ description: 'No session, or it ended.', type: ErrorBodyDto })
  async current(@Req() req: FastifyRequest): Promise<ConsoleSessionDto> {
    this.enabled();
    const cookie = cookieValue(req.headers.cookie, SESSION_COOKIE);
    const session = cookie === null ? null : await this.sessions.resume(cookie);
    if (!session) throw new AppError(ErrorCode.AuthRequired, 'No console session: sign in.');
    return toSessionDto(session);
  }

  @Delete()
  @AnyClientAuth()
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out: end the session of the cookie sent (needs the x-csrf-token header)' })
  @ApiNoContentResponse({ description: 'Signed out; the cookie is cleared.' })
  async signOut(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    this.enabled();
    const cookie = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (cookie !== null) await this.sessions.signOut(cookie);
    void reply.header('set-cookie', this.cookie(req, '', 0));
  }

  private enabled(): void {
    if (!this.config.console.enabled) throw new NotFoundException();
  }

  private cookie(req: FastifyRequest, value: string, maxAge: number | null): string {
    const parts = [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict'];
    if (req.protocol === 'https') parts.push('Secure');
    if (maxAge !== null) parts.push(`Max-Age=${maxAge}`);
    return parts.join('; ');
  }
}

function toSessionDto(session: OpenSession): ConsoleSessionDto {
  const { principal } = session;
  return { clientId: principal.clientId, name: principal.name, scopes: [...principal.scopes], csrfToken: session.csrfToken, idleMinutes: session.idleMinutes };
}
